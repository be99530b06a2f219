# shellcheck shell=bash
# Running the AppHost (services/apphost/TradeChain.AppHost) from a script: in its own process group, stopped with
# SIGTERM (a backgrounded AppHost ignores SIGINT), and waited for until DCP, Aspire's orchestrator, which watches the
# AppHost's process and stops every resource after it, has exited too. `source scripts/apphost.sh`.

TC_APPHOST_DLL="${TC_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/services/apphost/TradeChain.AppHost/bin/Release/net10.0/TradeChain.AppHost.dll"

# tc_apphost_start <settings...>: starts it in the background (TradeChain:Name=value settings); sets TC_APPHOST to its pid.
tc_apphost_start() {
  setsid dotnet "$TC_APPHOST_DLL" "$@" &
  TC_APPHOST=$!
}

# tc_apphost_stop: SIGTERM to its process group, then waits for it and for DCP (at most 60 s).
tc_apphost_stop() {
  [ -n "${TC_APPHOST:-}" ] || return 0
  kill -TERM -- "-$TC_APPHOST" 2>/dev/null || true
  tc_apphost_wait
}

# tc_apphost_wait: returns once the AppHost and DCP (its API server, which watches the AppHost, and its controllers,
# which watch the API server and stop the resources) have exited. A signal to this shell interrupts the wait.
tc_apphost_wait() {
  local i pid running dcp=()
  while _tc_alive "$TC_APPHOST"; do
    dcp=($(_tc_dcp_of "$TC_APPHOST"))
    sleep 0.5 & wait $! || true
  done
  TC_APPHOST_STATUS=0
  wait "$TC_APPHOST" 2>/dev/null || TC_APPHOST_STATUS=$?
  for ((i = 0; i < 120; i++)); do
    running=""
    for pid in "${dcp[@]}"; do _tc_alive "$pid" && running="$pid"; done
    [ -n "$running" ] || return 0
    sleep 0.5
  done
  echo "[apphost] DCP (pid $running) is still running 60 s after the AppHost stopped" >&2
}

# _tc_dcp_of <apphost pid>: the pids of the DCP processes that watch it (directly or through its API server).
_tc_dcp_of() {
  local server
  for server in $(pgrep -f -- "--monitor $1( |\$)"); do echo "$server"; pgrep -f -- "--monitor $server( |\$)" || true; done
  return 0
}

# A process that still runs (a zombie nobody reaped does not).
_tc_alive() { local state; state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ "$state" != Z* ]]; }

# tc_test_infrastructure <state_dir> <amqp_port> <management_port> <postgres_port> <log>: runs the AppHost's test
# infrastructure (the RabbitMQ and PostgreSQL that the tests and the benchmark share) and exports its addresses
# (TRADECHAIN_TEST_AMQP, TRADECHAIN_TEST_RABBIT_MGMT, TRADECHAIN_TEST_POSTGRES) once it is up. Stop it with tc_apphost_stop.
tc_test_infrastructure() {
  local dir="$1" log="$5"
  rm -rf "$dir"
  tc_apphost_start TradeChain:TestInfrastructure=true "TradeChain:StateDir=$dir" "TradeChain:AmqpPort=$2" \
    "TradeChain:RabbitManagementPort=$3" "TradeChain:PostgresPort=$4" >"$log" 2>&1
  local deadline=$((SECONDS + ${TC_INFRASTRUCTURE_TIMEOUT:-240}))
  while [ ! -f "$dir/environment" ] && kill -0 "$TC_APPHOST" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  if [ ! -f "$dir/environment" ]; then
    echo "[apphost] the test infrastructure (RabbitMQ, PostgreSQL) did not come up (ports $2, $3, $4 free?); $log:" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
  # shellcheck source=/dev/null
  source "$dir/environment"
}
