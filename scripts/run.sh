#!/usr/bin/env bash
# The run command: installs what is missing (rabbitmq-server from apt, anvil and solc from npm), builds,
# starts RabbitMQ and anvil, deploys the contracts and grants the roles, starts the three services, prints
# where everything is, and stops everything cleanly on Ctrl-C.
#   scripts/run.sh           bring the system up
#   scripts/run.sh --demo    ... and drive one export trade through it (the golden path)
#   scripts/run.sh --fresh   start from an empty chain and empty databases
# Ports: CONSOLE_PORT (5100), CUSTOMS_PORT (5101), DOCUMENTS_PORT (5102), PAYMENTS_PORT (5103), AMQP_PORT (5672),
#        RABBIT_MGMT_PORT (15672), ANVIL_PORT (8545). State lives in .run/ and survives a restart.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=infra.sh
source "$ROOT/scripts/infra.sh"

DEMO=0; FRESH=0
for arg in "$@"; do
  case "$arg" in
    --demo) DEMO=1 ;;
    --fresh) FRESH=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

CONSOLE_PORT="${CONSOLE_PORT:-5100}"; CUSTOMS_PORT="${CUSTOMS_PORT:-5101}"; DOCUMENTS_PORT="${DOCUMENTS_PORT:-5102}"; PAYMENTS_PORT="${PAYMENTS_PORT:-5103}"
AMQP_PORT="${AMQP_PORT:-5672}"; RABBIT_MGMT_PORT="${RABBIT_MGMT_PORT:-15672}"; ANVIL_PORT="${ANVIL_PORT:-8545}"
STATE="$ROOT/.run"
[ "$FRESH" -eq 1 ] && rm -rf "$STATE"
mkdir -p "$STATE/data" "$STATE/logs"

tc_install_prereqs
echo "[run] building"
dotnet build TradeChain.sln -c Release --nologo -v quiet -clp:ErrorsOnly

stop_all() {
  trap - EXIT
  trap '' INT TERM PIPE   # a second Ctrl-C (or a signal forwarded by a wrapper) must not cut the stopping short;
                          # PIPE: keep stopping even if whatever read our output (a pipe, tee) is already gone
  { echo; echo "[run] stopping"; } 2>/dev/null || true
  for service in console customs documents payments; do tc_stop_pidfile "$STATE/$service.pid" || true; done
  tc_stop_anvil "$STATE/anvil" || true
  tc_stop_rabbitmq "$STATE/rabbitmq" "$AMQP_PORT" || true
  echo "[run] stopped" 2>/dev/null || true
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

tc_start_rabbitmq "$STATE/rabbitmq" "$AMQP_PORT" "$RABBIT_MGMT_PORT"
tc_start_anvil "$STATE/anvil" "$ANVIL_PORT"
RPC="http://127.0.0.1:$ANVIL_PORT"
CLI="$ROOT/tools/TradeChain.Cli/bin/Release/net10.0/tradechain.dll"
dotnet "$CLI" deploy --rpc "$RPC" --out "$STATE/chain.json" | sed 's/^/[deploy] /'
DOCUMENT_STORE=$(node -p "require('$STATE/chain.json').documentStoreAddress")
TRANSITION_ANCHOR=$(node -p "require('$STATE/chain.json').transitionAnchorAddress")
TITLE_REGISTRY=$(node -p "require('$STATE/chain.json').titleRegistryAddress")
# Settlement token and credit escrow per currency, as Chain__Settlement__USD__Token=... (payments uses them)
SETTLEMENT_ENV=$(node -p "Object.entries(require('$STATE/chain.json').settlement || {}).map(([c, a]) => 'Chain__Settlement__' + c + '__Token=' + a.token + ' Chain__Settlement__' + c + '__Escrow=' + a.escrow).join(' ')")

start_service() { # name project port
  local name="$1" project="$2" port="$3"
  local dir="$ROOT/services/$name/$project/bin/Release/net10.0"
  ( cd "$dir" && \
    ASPNETCORE_ENVIRONMENT=Development Urls="http://127.0.0.1:$port" \
    ConnectionStrings__Database="Data Source=$STATE/data/$name.db" \
    ConnectionStrings__RabbitMq="amqp://guest:guest@127.0.0.1:$AMQP_PORT/" \
    Chain__RpcUrl="$RPC" Chain__DocumentStoreAddress="$DOCUMENT_STORE" Chain__TransitionAnchorAddress="$TRANSITION_ANCHOR" Chain__TitleRegistryAddress="$TITLE_REGISTRY" \
    exec env $SETTLEMENT_ENV dotnet "$project.dll" ) >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}
start_service customs TradeChain.Customs "$CUSTOMS_PORT"
start_service documents TradeChain.Documents "$DOCUMENTS_PORT"
start_service payments TradeChain.Payments "$PAYMENTS_PORT"
# The console: the web application people work in. It talks to the services' APIs only, with the user's own token.
( cd "$ROOT/services/console/TradeChain.Console/bin/Release/net10.0" && \
  ASPNETCORE_ENVIRONMENT=Development Urls="http://127.0.0.1:$CONSOLE_PORT" \
  Services__Customs="http://127.0.0.1:$CUSTOMS_PORT" Services__Documents="http://127.0.0.1:$DOCUMENTS_PORT" Services__Payments="http://127.0.0.1:$PAYMENTS_PORT" \
  Chain__RpcUrl="$RPC" Chain__TransitionAnchorAddress="$TRANSITION_ANCHOR" \
  exec dotnet TradeChain.Console.dll ) >"$STATE/logs/console.log" 2>&1 &
echo $! >"$STATE/console.pid"
for port in "$CUSTOMS_PORT" "$DOCUMENTS_PORT" "$PAYMENTS_PORT" "$CONSOLE_PORT"; do
  if ! tc_wait_http "http://127.0.0.1:$port/health/ready" 90; then
    echo "[run] a service did not become ready; see $STATE/logs/" >&2
    tail -n 20 "$STATE"/logs/*.log >&2
    exit 1
  fi
done

cat <<INFO

TradeChain is up.
  console    http://127.0.0.1:$CONSOLE_PORT    the web console: sign in as an exporter, a customs officer or a bank; public verifier at /verify
  customs    http://127.0.0.1:$CUSTOMS_PORT    API browser http://127.0.0.1:$CUSTOMS_PORT/scalar    OpenAPI /openapi/v1.json
  documents  http://127.0.0.1:$DOCUMENTS_PORT    API browser http://127.0.0.1:$DOCUMENTS_PORT/scalar
  payments   http://127.0.0.1:$PAYMENTS_PORT    API browser http://127.0.0.1:$PAYMENTS_PORT/scalar
  RabbitMQ   amqp://127.0.0.1:$AMQP_PORT        management http://127.0.0.1:$RABBIT_MGMT_PORT (guest/guest)
  chain      $RPC (anvil, chain id 31337)   DocumentStore $DOCUMENT_STORE   TransitionAnchor $TRANSITION_ANCHOR
  logs       $STATE/logs/     databases $STATE/data/
  tokens     dotnet $CLI token --role exporter --party EXP-ACME
INFO

if [ "$DEMO" -eq 1 ]; then
  echo; echo "[demo] one export trade through the three services"
  dotnet "$CLI" demo --customs "http://127.0.0.1:$CUSTOMS_PORT" --documents "http://127.0.0.1:$DOCUMENTS_PORT" --payments "http://127.0.0.1:$PAYMENTS_PORT"
fi
echo; echo "Press Ctrl-C to stop everything."
while true; do sleep 3600 & wait $!; done
