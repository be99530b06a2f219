# shellcheck shell=bash
# TradeChain local infrastructure helpers: RabbitMQ nodes and Anvil chains.
#
# A library: `source scripts/infra.sh`. Sourcing only defines functions and variables.
# Safe under `set -euo pipefail`. Status messages go to stderr; only tc_anvil_bin writes to stdout.
# See scripts/README.md.

# Repository root (the parent of this scripts/ folder). May be preset by the caller.
TC_REPO_ROOT="${TC_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Where the Debian package keeps the real RabbitMQ scripts (not the /usr/sbin su-wrappers).
TC_RABBITMQ_BIN_DIR="${TC_RABBITMQ_BIN_DIR:-/usr/lib/rabbitmq/bin}"
# Anvil's default, well-known test mnemonic (account 0 = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266).
TC_ANVIL_MNEMONIC="${TC_ANVIL_MNEMONIC:-test test test test test test test test test test test junk}"

_tc_log() { printf '[infra] %s\n' "$*" >&2; }
_tc_err() { printf '[infra] ERROR: %s\n' "$*" >&2; }

# Seconds since the epoch with milliseconds, for timings.
_tc_now() { date +%s.%N; }
_tc_elapsed() { awk -v a="$1" -v b="$(_tc_now)" 'BEGIN { printf "%.1f", b - a }'; }

# _tc_abs_dir <dir>: create it and print its absolute path.
_tc_abs_dir() { mkdir -p -- "$1" && (cd -- "$1" && pwd -P); }

# _tc_pid_alive <pid>: true when the process exists and is not a zombie.
_tc_pid_alive() {
  local pid="$1" state=""
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/stat" ]]; then
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" ]] || return 1
  fi
  return 0
}

# _tc_pid_matches <pid> [substring]: alive, and (if given) its command line contains substring.
# Guards against stale pid files whose pid now belongs to an unrelated process.
_tc_pid_matches() {
  local pid="$1" want="${2:-}" cmdline=""
  _tc_pid_alive "$pid" || return 1
  [[ -z "$want" || ! -r "/proc/$pid/cmdline" ]] && return 0
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"$want"* ]]
}

# _tc_read_pid <file>: print the pid in the file (nothing if missing/garbage).
_tc_read_pid() {
  local pid=""
  [[ -r "$1" ]] && pid="$(tr -dc '0-9' < "$1" 2>/dev/null || true)"
  printf '%s' "$pid"
}

# _tc_port_open <port>: true when something accepts TCP connections on 127.0.0.1:<port>.
_tc_port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" >/dev/null 2>&1
}

# _tc_as_root <cmd...>: run directly as root, else via sudo.
_tc_as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    _tc_err "need root to run: $* (not root and no sudo)"
    return 1
  fi
}

# ---------------------------------------------------------------------------
# tc_stop_pidfile <file> [cmdline_substring]: TERM the process in <file>, wait up to 10 s, then KILL.
# Removes the file. Only that pid is signalled (not its children). With a substring, a pid whose
# command line does not contain it is treated as stale and left alone.
tc_stop_pidfile() {
  local file="${1:?usage: tc_stop_pidfile <pidfile> [cmdline_substring]}" want="${2:-}" pid i
  pid="$(_tc_read_pid "$file")"
  if [[ -z "$pid" ]] || ! _tc_pid_matches "$pid" "$want"; then
    rm -f -- "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    _tc_pid_alive "$pid" || break
    sleep 0.1
  done
  if _tc_pid_alive "$pid"; then
    _tc_log "pid $pid ($file) ignored TERM for 10 s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      _tc_pid_alive "$pid" || break
      sleep 0.1
    done
  fi
  rm -f -- "$file"
  ! _tc_pid_alive "$pid"
}

# tc_wait_http <url> <timeout_s>: poll until the URL answers HTTP 200.
tc_wait_http() {
  local url="${1:?usage: tc_wait_http <url> <timeout_s>}" timeout_s="${2:-30}" start code
  start="$(_tc_now)"
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)"
    [[ "$code" == 200 ]] && return 0
    if awk -v a="$start" -v b="$(_tc_now)" -v t="$timeout_s" 'BEGIN { exit !(b - a >= t) }'; then
      _tc_err "timed out after ${timeout_s}s waiting for HTTP 200 from $url (last status: ${code:-none})"
      return 1
    fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------
# Debian's own rabbitmq-server service (node rabbit@<host>, port 5672) must not run: it would take
# the dev node's port. Stops it (and its epmd if nothing else uses it). Set TC_KEEP_SYSTEM_RABBITMQ=1
# to leave it alone. $1 = "disable" also disables the unit so it does not come back on boot.
_tc_stop_system_rabbitmq() {
  [[ "${TC_KEEP_SYSTEM_RABBITMQ:-0}" == 1 ]] && return 0
  local disable="${1:-}" acted=0 systemd=0 names=""
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    systemd=1
    if systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
      _tc_log "stopping the Debian rabbitmq-server service (systemd) so it does not hold port 5672"
      _tc_as_root systemctl stop rabbitmq-server || true
      acted=1
    fi
    if [[ "$disable" == disable ]] && systemctl is-enabled --quiet rabbitmq-server 2>/dev/null; then
      _tc_as_root systemctl disable --quiet rabbitmq-server 2>/dev/null || true
    fi
  elif [[ "$disable" == disable ]] && command -v update-rc.d >/dev/null 2>&1; then
    _tc_as_root update-rc.d rabbitmq-server disable >/dev/null 2>&1 || true
  fi
  # Without systemd the package's postinst starts it through /etc/init.d (unless a policy-rc.d
  # forbids it, as in containers). The Debian node registers in epmd as "rabbit".
  if _tc_system_rabbit_registered; then
    _tc_log "stopping the Debian rabbitmq-server (node rabbit@$(hostname -s)) so it does not hold port 5672"
    if [[ -x /etc/init.d/rabbitmq-server ]]; then
      _tc_as_root /etc/init.d/rabbitmq-server stop >/dev/null 2>&1 || true
    fi
    if _tc_system_rabbit_registered; then
      _tc_as_root /usr/sbin/rabbitmqctl stop >/dev/null 2>&1 || true
    fi
    acted=1
  fi
  if [[ $acted == 1 ]]; then
    # Its epmd goes too, unless some other Erlang node (e.g. a running tc node) is registered.
    names="$(epmd -names 2>/dev/null || true)"
    if [[ $systemd == 1 ]] && ! grep -q '^name ' <<<"$names"; then
      _tc_as_root systemctl stop epmd.socket epmd.service >/dev/null 2>&1 || true
    fi
    _tc_kill_epmd_if_unused
  fi
  return 0
}

# True when epmd lists the Debian service's node name ("rabbit").
_tc_system_rabbit_registered() {
  command -v epmd >/dev/null 2>&1 || return 1
  local names
  names="$(epmd -names 2>/dev/null)" || return 1
  grep -q '^name rabbit at port' <<<"$names"
}

# Stop epmd only when no Erlang node at all is registered with it (so other tc nodes, and any
# other Erlang node, keep working). `epmd -kill` itself also refuses while nodes are registered.
_tc_kill_epmd_if_unused() {
  command -v epmd >/dev/null 2>&1 || return 0
  local names
  names="$(epmd -names 2>/dev/null)" || return 0 # no epmd running
  if grep -q '^name ' <<<"$names"; then
    return 0
  fi
  epmd -kill >/dev/null 2>&1 || true
  return 0
}

# ---------------------------------------------------------------------------
# tc_install_prereqs: install rabbitmq-server and contracts/node_modules if missing; check dotnet,
# node, npm and curl. Idempotent and silent when everything is present.
tc_install_prereqs() {
  local contracts="$TC_REPO_ROOT/contracts" missing=() installed_rabbit=0

  if [[ ! -x "$TC_RABBITMQ_BIN_DIR/rabbitmq-server" ]] ||
    [[ "$(dpkg-query -W -f='${Status}' rabbitmq-server 2>/dev/null || true)" != *"install ok installed"* ]]; then
    _tc_log "installing rabbitmq-server (apt-get)"
    if ! _tc_as_root apt-get -q -o DPkg::Lock::Timeout=600 update ||
      ! _tc_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o DPkg::Lock::Timeout=600 rabbitmq-server; then
      _tc_err "apt-get install rabbitmq-server failed"
      return 1
    fi
    installed_rabbit=1
  fi
  if [[ $installed_rabbit == 1 ]]; then
    _tc_stop_system_rabbitmq disable
  else
    _tc_stop_system_rabbitmq
  fi

  command -v dotnet >/dev/null 2>&1 || missing+=("dotnet (.NET 10 SDK)")
  command -v node >/dev/null 2>&1 || missing+=("node (Node.js >= 20)")
  command -v curl >/dev/null 2>&1 || missing+=("curl")

  if [[ ! -d "$contracts/node_modules" || ! -e "$contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]]; then
    if ! command -v npm >/dev/null 2>&1; then
      missing+=("npm (needed to install $contracts/node_modules)")
    elif [[ ! -f "$contracts/package.json" ]]; then
      _tc_err "$contracts/package.json not found; cannot install contracts/node_modules"
      return 1
    else
      _tc_log "installing $contracts/node_modules (npm ci)"
      if [[ -f "$contracts/package-lock.json" ]]; then
        npm ci --prefix "$contracts" --no-audit --no-fund >&2 || { _tc_err "npm ci in $contracts failed"; return 1; }
      else
        _tc_log "no package-lock.json in $contracts; using npm install"
        npm install --prefix "$contracts" --no-audit --no-fund >&2 || { _tc_err "npm install in $contracts failed"; return 1; }
      fi
    fi
  fi

  if ((${#missing[@]} > 0)); then
    _tc_err "missing required tools: ${missing[*]}"
    return 1
  fi
  return 0
}

# ---------------------------------------------------------------------------
# RabbitMQ: private nodes named tc<amqp_port>@localhost, all state under <state_dir>.

_tc_rabbit_node() { printf 'tc%s@localhost' "$1"; }


# _tc_rabbit_envvars <state_dir(abs)> <amqp_port>: set _TC_RABBIT_ENV to the node's environment
# (VAR=value words for `env`). HOME=<state_dir> gives the server and the CLI tools the same
# private Erlang cookie (<state_dir>/.erlang.cookie); the config/env/advanced files shadow /etc/rabbitmq.
_tc_rabbit_envvars() {
  local dir="$1" port="$2"
  _TC_RABBIT_ENV=(
    HOME="$dir"
    ERL_CRASH_DUMP="$dir/erl_crash.dump"
    RABBITMQ_MNESIA_BASE="$dir/mnesia"
    RABBITMQ_LOG_BASE="$dir/log"
    RABBITMQ_NODENAME="$(_tc_rabbit_node "$port")"
    RABBITMQ_NODE_PORT="$port"
    RABBITMQ_DIST_PORT="$((port + 20000))"
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
    RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  )
}

# tc_rabbitmqctl <state_dir> <amqp_port> <args...>: rabbitmqctl against that node.
tc_rabbitmqctl() {
  local usage="usage: tc_rabbitmqctl <state_dir> <amqp_port> <args...>" dir port
  dir="$(_tc_abs_dir "${1:?$usage}")" || return 1
  port="${2:?$usage}"
  shift 2
  _tc_rabbit_envvars "$dir" "$port"
  env "${_TC_RABBIT_ENV[@]}" "$TC_RABBITMQ_BIN_DIR/rabbitmqctl" -n "$(_tc_rabbit_node "$port")" "$@"
}

# _tc_spawn <pidfile> <logfile> <workdir> <cmd...>: start cmd detached (own session, stdin from
# /dev/null, output appended to logfile); the process writes its own pid to pidfile before exec.
_tc_spawn() {
  local pidfile="$1" logfile="$2" workdir="$3" i
  shift 3
  rm -f -- "$pidfile"
  (cd -- "$workdir" && exec setsid -f bash -c 'echo $$ >"$1.tmp" && mv -f "$1.tmp" "$1"; shift; exec "$@"' \
    _ "$pidfile" "$@" </dev/null >>"$logfile" 2>&1) || return 1
  for ((i = 0; i < 50; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  _tc_err "process did not start: $*"
  return 1
}

# _tc_amqp_handshake <port>: send the AMQP 0-9-1 protocol header and expect Connection.Start
# (frame type 1, channel 0, <4-byte size>, class 10, method 10).
_tc_amqp_handshake() {
  local reply
  reply="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    head -c 11 <&3 | od -An -tx1' _ "$1" 2>/dev/null | tr -d ' \n' || true)"
  [[ "$reply" =~ ^010000[0-9a-f]{8}000a000a$ ]]
}

# _tc_rabbit_running <state_dir(abs)> <port>: our node's beam is alive and answers AMQP.
_tc_rabbit_running() {
  local pid
  pid="$(_tc_read_pid "$1/rabbitmq.pid")"
  [[ -n "$pid" ]] && _tc_pid_matches "$pid" "-home $1 " && _tc_amqp_handshake "$2"
}

_tc_rabbit_fail() {
  local dir="$1" log="$2"
  _tc_err "$3"
  if [[ -f "$dir/stdout.log" ]]; then
    echo "----- tail of $dir/stdout.log -----" >&2
    tail -n 25 "$dir/stdout.log" >&2 || true
  fi
  if [[ -f "$log" ]]; then
    echo "----- tail of $log -----" >&2
    tail -n 25 "$log" >&2 || true
  fi
  echo "-----" >&2
}

# tc_start_rabbitmq <state_dir> <amqp_port> [mgmt_port]
# Starts a private node tc<amqp_port>@localhost in the background, all state under <state_dir>;
# returns once it accepts AMQP connections (and the management UI answers, if enabled).
tc_start_rabbitmq() {
  local usage="usage: tc_start_rabbitmq <state_dir> <amqp_port> [mgmt_port]"
  local dir port="${2:?$usage}" mgmt="${3:-}" node dist start log launcher log_offset=0 ready=0 remaining
  dir="$(_tc_abs_dir "${1:?$usage}")" || return 1
  node="$(_tc_rabbit_node "$port")"
  dist=$((port + 20000))
  log="$dir/log/$node.log"

  if [[ ! -x "$TC_RABBITMQ_BIN_DIR/rabbitmq-server" ]]; then
    _tc_err "RabbitMQ is not installed ($TC_RABBITMQ_BIN_DIR/rabbitmq-server missing); run tc_install_prereqs"
    return 1
  fi
  if _tc_rabbit_running "$dir" "$port"; then
    _tc_log "rabbitmq $node is already running (amqp $port)"
    return 0
  fi
  if _tc_port_open "$port"; then
    _tc_err "port $port is already in use by another process (the Debian rabbitmq-server service? check: ss -ltnp)"
    return 1
  fi
  if _tc_port_open "$dist"; then
    _tc_err "Erlang distribution port $dist (amqp port + 20000) is already in use"
    return 1
  fi
  if [[ -n "$mgmt" ]] && _tc_port_open "$mgmt"; then
    _tc_err "management port $mgmt is already in use"
    return 1
  fi

  mkdir -p "$dir/log" "$dir/mnesia" || return 1
  if [[ ! -s "$dir/.erlang.cookie" ]]; then
    local cookie="" letters=ABCDEFGHIJKLMNOPQRSTUVWXYZ i
    for ((i = 0; i < 20; i++)); do cookie+="${letters:RANDOM%26:1}"; done
    (umask 077 && printf '%s' "$cookie" >"$dir/.erlang.cookie") || return 1
  fi
  chmod 400 "$dir/.erlang.cookie"
  : >"$dir/rabbitmq-env.conf"
  {
    echo "# generated by scripts/infra.sh (tc_start_rabbitmq); rewritten on every start"
    echo "listeners.tcp.default = $port"
    echo "loopback_users.guest = true"
    if [[ -n "$mgmt" ]]; then
      echo "management.tcp.port = $mgmt"
      echo "management.tcp.ip = 127.0.0.1"
    fi
  } >"$dir/rabbitmq.conf"
  if [[ -n "$mgmt" ]]; then
    echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  else
    echo '[].' >"$dir/enabled_plugins"
  fi
  rm -f "$dir/rabbitmq.pid"
  [[ -f "$log" ]] && log_offset="$(wc -c <"$log")"
  printf '=== %s starting %s (amqp %s, dist %s, management %s)\n' \
    "$(date -Is)" "$node" "$port" "$dist" "${mgmt:-off}" >>"$dir/stdout.log"

  start="$(_tc_now)"
  # Runs as the calling user through the package's real script; the /usr/sbin wrappers would
  # `su rabbitmq`, which needs the state dir chowned and uses /var/lib/rabbitmq's cookie.
  _tc_rabbit_envvars "$dir" "$port"
  if ! _tc_spawn "$dir/launcher.pid" "$dir/stdout.log" "$dir" \
    env "${_TC_RABBIT_ENV[@]}" "$TC_RABBITMQ_BIN_DIR/rabbitmq-server"; then
    _tc_rabbit_fail "$dir" "$log" "could not launch rabbitmq-server for $node"
    return 1
  fi
  launcher="$(_tc_read_pid "$dir/launcher.pid")"

  while awk -v a="$start" -v b="$(_tc_now)" 'BEGIN { exit !(b - a < 60) }'; do
    if _tc_amqp_handshake "$port" &&
      [[ -f "$log" ]] && tail -c "+$((log_offset + 1))" "$log" | grep 'Server startup complete' >/dev/null; then
      ready=1
      break
    fi
    if ! _tc_pid_alive "$launcher"; then
      break
    fi
    sleep 0.25
  done
  if [[ $ready != 1 ]]; then
    if _tc_pid_alive "$launcher"; then
      _tc_rabbit_fail "$dir" "$log" "rabbitmq $node did not become ready within 60 s; stopping it"
      tc_stop_rabbitmq "$dir" "$port" >/dev/null 2>&1 || true
    else
      _tc_rabbit_fail "$dir" "$log" "rabbitmq $node exited during startup"
      rm -f "$dir/launcher.pid"
    fi
    return 1
  fi
  if [[ -n "$mgmt" ]]; then
    remaining="$(awk -v a="$start" -v b="$(_tc_now)" 'BEGIN { r = 60 - (b - a); printf "%d", (r < 5 ? 5 : r) }')"
    if ! tc_wait_http "http://127.0.0.1:$mgmt/" "$remaining"; then
      _tc_rabbit_fail "$dir" "$log" "rabbitmq $node: management UI on port $mgmt did not answer"
      return 1
    fi
  fi
  _tc_log "rabbitmq $node ready in $(_tc_elapsed "$start")s (amqp $port${mgmt:+, management http://127.0.0.1:$mgmt}, state $dir)"
  return 0
}

# tc_stop_rabbitmq <state_dir> <amqp_port>: stop the node cleanly (rabbitmqctl stop, then TERM/KILL
# by pid), then stop epmd if no Erlang node is registered with it any more.
tc_stop_rabbitmq() {
  local usage="usage: tc_stop_rabbitmq <state_dir> <amqp_port>"
  local dir port="${2:?$usage}" node pid start
  [[ -n "${1:-}" ]] || { _tc_err "$usage"; return 1; }
  if [[ ! -d "$1" ]]; then
    _tc_kill_epmd_if_unused
    return 0
  fi
  dir="$(cd -- "$1" && pwd -P)"
  node="$(_tc_rabbit_node "$port")"
  pid="$(_tc_read_pid "$dir/rabbitmq.pid")"
  start="$(_tc_now)"
  # The beam's command line contains "-home <state_dir>"; anything else is a stale pid file.
  [[ -n "$pid" ]] && ! _tc_pid_matches "$pid" "-home $dir " && pid=""
  if [[ -n "$pid" ]] || _tc_amqp_handshake "$port"; then
    _tc_rabbit_envvars "$dir" "$port"
    if ! timeout 60 env "${_TC_RABBIT_ENV[@]}" "$TC_RABBITMQ_BIN_DIR/rabbitmqctl" -q -n "$node" stop \
      >>"$dir/stdout.log" 2>&1; then
      _tc_log "rabbitmqctl stop failed for $node; stopping it by pid"
    fi
    if [[ -n "$pid" ]]; then
      local i
      for ((i = 0; i < 150; i++)); do
        _tc_pid_alive "$pid" || break
        sleep 0.1
      done
      if _tc_pid_alive "$pid"; then
        echo "$pid" >"$dir/rabbitmq.pid"
        tc_stop_pidfile "$dir/rabbitmq.pid" "-home $dir " || true
      fi
    fi
    _tc_log "rabbitmq $node stopped in $(_tc_elapsed "$start")s"
  fi
  tc_stop_pidfile "$dir/launcher.pid" rabbitmq-server || true
  rm -f "$dir/rabbitmq.pid"
  _tc_kill_epmd_if_unused
  return 0
}

# ---------------------------------------------------------------------------
# Anvil (local Ethereum node from the npm package @foundry-rs/anvil-linux-amd64).

# tc_anvil_bin: print the anvil binary path. TC_ANVIL_BIN overrides it (for tests only).
tc_anvil_bin() {
  local bin="${TC_ANVIL_BIN:-$TC_REPO_ROOT/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil}"
  if [[ ! -f "$bin" ]]; then
    _tc_err "anvil not found at $bin; run tc_install_prereqs (npm ci in contracts/)"
    return 1
  fi
  if [[ ! -x "$bin" ]]; then
    chmod +x "$bin" || { _tc_err "cannot chmod +x $bin"; return 1; }
  fi
  printf '%s\n' "$bin"
}

# _tc_eth_block_number <port>: print the block number (decimal) or fail.
_tc_eth_block_number() {
  local out hex
  out="$(curl -s --max-time 2 -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' \
    "http://127.0.0.1:$1" 2>/dev/null)" || return 1
  hex="$(sed -nE 's/.*"result":"0x([0-9a-fA-F]+)".*/\1/p' <<<"$out")"
  [[ -n "$hex" ]] || return 1
  printf '%d\n' "$((16#$hex))"
}

# tc_start_anvil <state_dir> <port> [--fresh]
# Chain state lives in <state_dir>/anvil-state.json: loaded at start, written when anvil exits on
# SIGTERM/SIGINT (tc_stop_anvil). --fresh deletes it first.
tc_start_anvil() {
  local usage="usage: tc_start_anvil <state_dir> <port> [--fresh]"
  local dir port="${2:?$usage}" fresh="${3:-}" bin state pidfile log start pid block="" extra=()
  dir="$(_tc_abs_dir "${1:?$usage}")" || return 1
  if [[ -n "$fresh" && "$fresh" != --fresh ]]; then
    _tc_err "$usage"
    return 1
  fi
  bin="$(tc_anvil_bin)" || return 1
  state="$dir/anvil-state.json"
  pidfile="$dir/anvil.pid"
  log="$dir/anvil.log"

  pid="$(_tc_read_pid "$pidfile")"
  if [[ -n "$pid" ]] && _tc_pid_matches "$pid" " --state $state "; then
    if [[ -n "$fresh" ]]; then
      _tc_err "anvil (pid $pid) is already running from $dir; stop it before starting with --fresh"
      return 1
    fi
    if _tc_eth_block_number "$port" >/dev/null; then
      _tc_log "anvil is already running on port $port (pid $pid)"
      return 0
    fi
    _tc_err "anvil (pid $pid) from $dir is running but does not answer on port $port"
    return 1
  fi
  if _tc_port_open "$port"; then
    _tc_err "port $port is already in use by another process"
    return 1
  fi
  if [[ -n "$fresh" ]]; then
    rm -f -- "$state"
  fi
  if [[ -n "${TC_ANVIL_STATE_INTERVAL:-}" ]]; then
    extra+=(--state-interval "$TC_ANVIL_STATE_INTERVAL")
  fi
  printf '=== %s starting anvil on port %s (state %s%s)\n' "$(date -Is)" "$port" "$state" \
    "$([[ -f "$state" ]] && echo ", loading" || echo ", new chain")" >>"$log"

  start="$(_tc_now)"
  if ! _tc_spawn "$pidfile" "$log" "$dir" "$bin" --port "$port" --host 127.0.0.1 --chain-id 31337 \
    --accounts 10 --mnemonic "$TC_ANVIL_MNEMONIC" --state "$state" "${extra[@]}"; then
    _tc_err "could not launch anvil"
    return 1
  fi
  pid="$(_tc_read_pid "$pidfile")"
  while awk -v a="$start" -v b="$(_tc_now)" 'BEGIN { exit !(b - a < 20) }'; do
    if block="$(_tc_eth_block_number "$port")"; then
      _tc_log "anvil ready on http://127.0.0.1:$port in $(_tc_elapsed "$start")s (block $block, pid $pid, state $state)"
      return 0
    fi
    _tc_pid_alive "$pid" || break
    sleep 0.1
  done
  if _tc_pid_alive "$pid"; then
    _tc_err "anvil did not answer eth_blockNumber on port $port within 20 s; stopping it"
    tc_stop_pidfile "$pidfile" " --state $state " || true
  else
    if [[ -z "$fresh" && -f "$state" ]]; then
      _tc_err "anvil exited during startup (if $state is corrupt, start with --fresh)"
    else
      _tc_err "anvil exited during startup"
    fi
    rm -f -- "$pidfile"
  fi
  echo "----- tail of $log -----" >&2
  tail -n 25 "$log" >&2 || true
  echo "-----" >&2
  return 1
}

# tc_stop_anvil <state_dir>: SIGTERM makes anvil write <state_dir>/anvil-state.json before exiting.
tc_stop_anvil() {
  local usage="usage: tc_stop_anvil <state_dir>" dir pid
  [[ -n "${1:-}" ]] || { _tc_err "$usage"; return 1; }
  [[ -d "$1" ]] || return 0
  dir="$(cd -- "$1" && pwd -P)"
  pid="$(_tc_read_pid "$dir/anvil.pid")"
  if [[ -z "$pid" ]] || ! _tc_pid_matches "$pid" " --state $dir/anvil-state.json "; then
    rm -f "$dir/anvil.pid"
    return 0
  fi
  local marker="$dir/.anvil-stop-marker"
  : >"$marker"
  if ! tc_stop_pidfile "$dir/anvil.pid" " --state $dir/anvil-state.json "; then
    _tc_err "could not stop anvil (pid $pid)"
    rm -f "$marker"
    return 1
  fi
  if [[ -f "$dir/anvil-state.json" && ! "$dir/anvil-state.json" -ot "$marker" ]]; then
    _tc_log "anvil stopped; state saved to $dir/anvil-state.json"
  else
    _tc_log "anvil stopped, but $dir/anvil-state.json was not written (see $dir/anvil.log)"
  fi
  rm -f "$marker"
  return 0
}

# ---------------------------------------------------------------------------------------------------------
# PostgreSQL: a private cluster for the tests (the production database; SQLite is the local default).

# tc_install_postgres: installs Debian's postgresql server if no server binary is present.
tc_install_postgres() {
  if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    _tc_log "installing postgresql from apt"
    _tc_as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive _tc_as_root apt-get install -y -qq postgresql >/dev/null
  fi
}

_tc_pg_bin() { compgen -G "/usr/lib/postgresql/*/bin" | sort -V | tail -1; }

# _tc_as_pg <cmd...>: initdb and postgres refuse to run as root; as root run them as the postgres user.
_tc_as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# tc_start_postgres <state_dir> <port>: a fresh or reused cluster in <state_dir>/data on 127.0.0.1:<port>,
# trust authentication for user postgres on loopback only. Waits until it accepts connections.
tc_start_postgres() {
  local dir="$1" port="$2" bin
  bin="$(_tc_pg_bin)" || { _tc_err "no PostgreSQL server found (tc_install_postgres)"; return 1; }
  mkdir -p "$dir"
  dir="$(cd -- "$dir" && pwd -P)"
  [[ "$(id -u)" == 0 ]] && chown postgres "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    _tc_as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { _tc_err "initdb failed"; tail -n 20 "$dir/initdb.log" >&2; return 1; }
  fi
  _tc_as_pg "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
    || { _tc_err "PostgreSQL did not start"; tail -n 20 "$dir/postgres.log" >&2; return 1; }
  _tc_log "postgresql ready (127.0.0.1:$port, state $dir)"
}

# tc_stop_postgres <state_dir>
tc_stop_postgres() {
  local dir="$1" bin
  [[ -f "$dir/data/postmaster.pid" ]] || return 0
  bin="$(_tc_pg_bin)" || return 0
  _tc_as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
