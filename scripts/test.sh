#!/usr/bin/env bash
# The test command: installs what is missing, builds, starts a real RabbitMQ for the integration tests
# (each test starts its own anvil chain and service processes), runs every test project, and ends with
# "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=infra.sh
source "$ROOT/scripts/infra.sh"

TEST_DIR="$ROOT/.test-run"
RABBIT_DIR="$TEST_DIR/rabbitmq"
AMQP_PORT="${TRADECHAIN_TEST_AMQP_PORT:-5673}"
MGMT_PORT="${TRADECHAIN_TEST_MGMT_PORT:-15673}"
RESULTS="$TEST_DIR/results"
PG_DIR="$TEST_DIR/postgres"
PG_PORT="${TRADECHAIN_TEST_PG_PORT:-55433}"

tc_install_prereqs
tc_install_postgres
# The public OpenAttestation and TradeTrust libraries, for the interoperability tests.
[ -d tests/interop/node_modules/@govtechsg/open-attestation ] && [ -d tests/interop/node_modules/@tradetrust-tt/tt-verify ] || npm ci --prefix tests/interop --no-audit --no-fund --silent
# kubectl renders the Kubernetes overlays offline (`kubectl kustomize`) for the manifest tests; the machine image has it.
command -v kubectl >/dev/null 2>&1 || { apt-get install -y -qq kubectl >/dev/null 2>&1 || echo "[test] kubectl is missing and could not be installed: the manifest tests will fail" >&2; }
# Debian's Chromium for the console's browser tests (Playwright drives it; its own browser download cannot work offline).
if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing chromium (apt-get)"
  apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium >/dev/null \
    || echo "[test] chromium could not be installed: the console's browser tests will fail" >&2
fi
echo "[test] building"
dotnet build TradeChain.sln -c Release --nologo -v quiet -clp:ErrorsOnly

rm -rf "$RABBIT_DIR" "$RESULTS" "$PG_DIR"
mkdir -p "$TEST_DIR"
cleanup() {
  tc_stop_rabbitmq "$RABBIT_DIR" "$AMQP_PORT" >/dev/null 2>&1 || true
  tc_stop_postgres "$PG_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT
tc_start_rabbitmq "$RABBIT_DIR" "$AMQP_PORT" "$MGMT_PORT"
tc_start_postgres "$PG_DIR" "$PG_PORT"
export TRADECHAIN_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres"
export TRADECHAIN_TEST_AMQP="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
export TRADECHAIN_TEST_RABBIT_MGMT="http://127.0.0.1:$MGMT_PORT/"

echo "[test] running tests"
status=0
dotnet test TradeChain.sln -c Release --no-build --nologo --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$RESULTS" || status=$?

passed=0; failed=0
for trx in "$RESULTS"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "[test] dotnet test failed before reporting results"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
