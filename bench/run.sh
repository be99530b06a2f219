#!/usr/bin/env bash
# The benchmark: builds in Release, runs the AppHost's test infrastructure (a private RabbitMQ), and runs the harness
# (which starts the system from the AppHost's model, once per anchoring batch size). Arguments go to the harness:
#   bench/run.sh                      capacity: batch size 256 searches for its highest sustainable rate (open loop, stages of
#                                     15 s after a 10 s warm-up), batch size 1 (the baseline) runs at that rate; 1,000 documents
#   bench/run.sh --rate 5 --stage 60  one stage at a fixed rate (declarations/s) for each batch size
#   bench/run.sh --quick              the smoke run the test command also makes (3 declarations at 1/s per batch size)
#   bench/run.sh --micro              BenchmarkDotNet micro-benchmarks of the CPU-bound hot path
#   bench/run.sh --documents-only [--documents M]  the documents figures alone (wrap, issue, integrity, both verifiers)
#   bench/run.sh --ledger [--history N]  an account's balance read and a booking's cost as its history grows (SQLite, PostgreSQL)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/install.sh
source "$ROOT/scripts/install.sh"
# shellcheck source=../scripts/apphost.sh
source "$ROOT/scripts/apphost.sh"

INFRA="$ROOT/.bench-run/infrastructure"

tc_install_prereqs
tc_install_postgres
dotnet build bench/TradeChain.Bench/TradeChain.Bench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly
if [[ " $* " == *" --micro "* || " $* " == *" --documents-only "* ]]; then
  exec dotnet bench/TradeChain.Bench/bin/Release/net10.0/TradeChain.Bench.dll "$@"
fi
mkdir -p "$ROOT/.bench-run"
trap 'tc_apphost_stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
tc_test_infrastructure "$INFRA" "${TRADECHAIN_BENCH_AMQP_PORT:-5674}" "${TRADECHAIN_BENCH_MGMT_PORT:-15674}" \
  "${TRADECHAIN_BENCH_PG_PORT:-55434}" "$INFRA.log"
dotnet bench/TradeChain.Bench/bin/Release/net10.0/TradeChain.Bench.dll "$@"
