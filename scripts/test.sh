#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs the AppHost's test infrastructure (a RabbitMQ and a
# PostgreSQL that every test shares; each test then builds its own system from the same model: anvil, the deploy,
# the services, on its own virtual host), runs every test project, and ends with "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=install.sh
source "$ROOT/scripts/install.sh"
# shellcheck source=apphost.sh
source "$ROOT/scripts/apphost.sh"

TEST_DIR="$ROOT/.test-run"
RESULTS="$TEST_DIR/results"
INFRA="$TEST_DIR/infrastructure"

tc_install_prereqs
tc_install_postgres
# The public OpenAttestation and TradeTrust libraries, for the interoperability tests.
[ -d tests/interop/node_modules/@govtechsg/open-attestation ] && [ -d tests/interop/node_modules/@tradetrust-tt/tt-verify ] \
  && [ -d tests/interop/node_modules/@govtechsg/oa-verify ] || npm ci --prefix tests/interop --no-audit --no-fund --silent
# kubectl renders the Kubernetes overlays offline (`kubectl kustomize`) for the manifest tests; the machine image has it.
command -v kubectl >/dev/null 2>&1 || { _tc_as_root apt-get install -y -qq kubectl >/dev/null 2>&1 || echo "[test] kubectl is missing and could not be installed: the manifest tests will fail" >&2; }
# Debian's Chromium for the console's browser tests (Playwright drives it; its own browser download cannot work offline).
if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing chromium (apt-get)"
  _tc_as_root apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null && _tc_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium >/dev/null \
    || echo "[test] chromium could not be installed: the console's browser tests will fail" >&2
fi
echo "[test] building"
dotnet build TradeChain.sln -c Release --nologo -v quiet -clp:ErrorsOnly

rm -rf "$RESULTS"
mkdir -p "$TEST_DIR"
trap 'tc_apphost_stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
tc_test_infrastructure "$INFRA" "${TRADECHAIN_TEST_AMQP_PORT:-5673}" "${TRADECHAIN_TEST_MGMT_PORT:-15673}" \
  "${TRADECHAIN_TEST_PG_PORT:-55433}" "$TEST_DIR/infrastructure.log"
echo "[test] RabbitMQ $TRADECHAIN_TEST_AMQP, PostgreSQL $TRADECHAIN_TEST_POSTGRES"

echo "[test] running tests"
# The tests start about eighty short-lived systems (each service a process that lives seconds to a minute): the runtime's
# profile-guided tier (dynamic PGO) instruments and recompiles methods that such a process never runs long enough to
# profit from. Off for the test run only (inherited by the test hosts and the services they start): a test of one
# system took 15 % less CPU (bench/README.md, "The test suite two test classes at a time"). The services keep the
# runtime's defaults everywhere else (scripts/run.sh, bench/run.sh, the images).
export DOTNET_TieredPGO=0
# The test processes reserve the ports they hand out here (TestEnvironment.FreePort); none is running now.
rm -rf "$TEST_DIR/ports"
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
# The failed tests again, with their assertion's first lines, just above the count: a log read from its end (CI's)
# shows them without the whole run (python3 reads the results files; without it, the names alone).
if [ "$failed" -gt 0 ]; then
  for trx in "$RESULTS"/*.trx; do
    [ -e "$trx" ] || continue
    # python3 reads the file; without it, or if it could not, the names alone.
    if command -v python3 >/dev/null 2>&1 && python3 - "$trx" <<'PY'; then :
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
    message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
    lines = (message.text or "").strip().splitlines()[:6] if message is not None else []
    print("[test] FAILED: " + result.get("testName", "?"))
    for line in lines: print("[test]     " + line[:300])
PY
    else
      grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/[test] FAILED: \1/p' || true
    fi
  done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
