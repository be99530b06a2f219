#!/usr/bin/env bash
# The benchmark: builds in Release, starts a private RabbitMQ, and runs the harness (which starts anvil and the three
# services itself, once per anchoring batch size). Arguments go to the harness:
#   bench/run.sh                      default: 40 declarations, 8 concurrent, batch sizes 1 and 256, 1,000 documents
#   bench/run.sh --quick              the smoke run the test command also makes
#   bench/run.sh -n 200 -c 16         a heavier run
#   bench/run.sh --micro              BenchmarkDotNet micro-benchmarks of the CPU-bound hot path
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/infra.sh
source "$ROOT/scripts/infra.sh"

RABBIT_DIR="$ROOT/.bench-run/rabbitmq"
AMQP_PORT="${TRADECHAIN_BENCH_AMQP_PORT:-5674}"
MGMT_PORT="${TRADECHAIN_BENCH_MGMT_PORT:-15674}"

tc_install_prereqs
dotnet build bench/TradeChain.Bench/TradeChain.Bench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly
if [[ " $* " == *" --micro "* ]]; then
  exec dotnet bench/TradeChain.Bench/bin/Release/net10.0/TradeChain.Bench.dll "$@"
fi
rm -rf "$RABBIT_DIR"; mkdir -p "$RABBIT_DIR"
trap 'tc_stop_rabbitmq "$RABBIT_DIR" "$AMQP_PORT" >/dev/null 2>&1 || true' EXIT
tc_start_rabbitmq "$RABBIT_DIR" "$AMQP_PORT" "$MGMT_PORT"
export TRADECHAIN_TEST_AMQP="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
export TRADECHAIN_TEST_RABBIT_MGMT="http://127.0.0.1:$MGMT_PORT/"
dotnet bench/TradeChain.Bench/bin/Release/net10.0/TradeChain.Bench.dll "$@"
