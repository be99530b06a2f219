#!/usr/bin/env bash
# The run command: installs what is missing (rabbitmq-server from apt, anvil and solc from npm: scripts/install.sh),
# builds, and runs the AppHost (services/apphost/TradeChain.AppHost), which starts RabbitMQ and anvil, deploys the
# contracts, starts the three services and the console, and prints the Aspire dashboard's and the console's address.
# Ctrl-C (or SIGTERM) stops everything.
#   scripts/run.sh           bring the system up
#   scripts/run.sh --demo    ... and drive one export trade through it (the golden path)
#   scripts/run.sh --fresh   start from an empty chain and empty databases
# Ports: CONSOLE_PORT (5100), CUSTOMS_PORT (5101), DOCUMENTS_PORT (5102), PAYMENTS_PORT (5103), AMQP_PORT (5672),
#        RABBIT_MGMT_PORT (15672), ANVIL_PORT (8545), BANK_SIGNER_PORT (8546: the banks' own signer); the dashboard is http://127.0.0.1:18888.
# State lives in .run/ (STATE_DIR to keep it elsewhere: a directory of its own, which --fresh deletes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=install.sh
source "$ROOT/scripts/install.sh"
# shellcheck source=apphost.sh
source "$ROOT/scripts/apphost.sh"

settings=()
for arg in "$@"; do
  case "$arg" in
    --demo) settings+=(TradeChain:Demo=true) ;;
    --fresh) settings+=(TradeChain:Fresh=true) ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
for pair in CONSOLE_PORT:ConsolePort CUSTOMS_PORT:CustomsPort DOCUMENTS_PORT:DocumentsPort PAYMENTS_PORT:PaymentsPort \
            AMQP_PORT:AmqpPort RABBIT_MGMT_PORT:RabbitManagementPort ANVIL_PORT:AnvilPort BANK_SIGNER_PORT:BankSignerPort STATE_DIR:StateDir; do
  variable="${pair%%:*}"
  if [ -n "${!variable:-}" ]; then settings+=("TradeChain:${pair#*:}=${!variable}"); fi
done

tc_install_prereqs
echo "[run] building"
dotnet build services/apphost/TradeChain.AppHost -c Release --nologo -v quiet -clp:ErrorsOnly

# The dashboard on 127.0.0.1 over plain http (as in the AppHost's launch profile, Properties/launchSettings.json).
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:18888}" ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="${ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL:-http://127.0.0.1:18889}"
export ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="${ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL:-http://127.0.0.1:18890}"
export DOTNET_ENVIRONMENT=Development
tc_apphost_start "${settings[@]}"
# The terminal may be gone (SIGHUP): stop first, then say so, and never let a failed echo cut the stop short.
stop() { trap '' INT TERM HUP; trap - EXIT; echo 2>/dev/null || true; echo "[run] stopping" 2>/dev/null || true; tc_apphost_stop; echo "[run] stopped" 2>/dev/null || true; }
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop; exit 129' HUP
trap stop EXIT
tc_apphost_wait
if [ "${TC_APPHOST_STATUS:-0}" -ne 0 ]; then
  echo "[run] the AppHost exited with status $TC_APPHOST_STATUS (its output is above). State made by an older TradeChain? scripts/run.sh --fresh" >&2
  exit "$TC_APPHOST_STATUS"
fi
