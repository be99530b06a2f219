# shellcheck shell=bash
# What the AppHost (services/apphost/TradeChain.AppHost) cannot do itself: install the packages the system runs on.
# RabbitMQ (Debian's rabbitmq-server), anvil and solc (npm, contracts/node_modules), PostgreSQL for the tests.
# Starting, wiring and stopping them is the AppHost's model (TradeChainModel.cs), for a user, a test and the benchmark.
#
# A library: `source scripts/install.sh`. Sourcing only defines functions and variables. Safe under `set -euo pipefail`.
# Status messages go to stderr with an [install] prefix; every function returns non-zero on failure.

# Repository root (the parent of this scripts/ folder). May be preset by the caller.
TC_REPO_ROOT="${TC_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Where the Debian package keeps the real RabbitMQ scripts (not the /usr/sbin su-wrappers).
TC_RABBITMQ_BIN_DIR="${TC_RABBITMQ_BIN_DIR:-/usr/lib/rabbitmq/bin}"

_tc_log() { printf '[install] %s\n' "$*" >&2; }
_tc_err() { printf '[install] ERROR: %s\n' "$*" >&2; }

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
# node and npm. Idempotent and silent when everything is present.
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
# tc_install_postgres: installs Debian's postgresql server if no server binary is present.
tc_install_postgres() {
  if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    _tc_log "installing postgresql from apt"
    _tc_as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive _tc_as_root apt-get install -y -qq postgresql >/dev/null
  fi
}

