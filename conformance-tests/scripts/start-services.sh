#!/usr/bin/env bash
# Starts the database servers the test suite needs, natively (no Docker), idempotently:
# installs what is missing, starts what is stopped, waits until each answers.
#   start-services.sh                      every engine
#   start-services.sh postgres mysql       only those (postgres, mysql, mongodb)
# People with Docker can use conformance-tests/docker-compose.yml instead.
set -euo pipefail

log() { echo "start-services: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  pg_isready -h 127.0.0.1 -p 5432
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    log "creating database test"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
  fi
}

start_mariadb() {
  if [ ! -x /usr/sbin/mariadbd ]; then
    log "installing MariaDB"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null
  fi
  if ! mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    log "starting MariaDB"
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
  for _ in $(seq 1 60); do
    mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break
    # A fresh install lets root in through the socket only: allow the empty password on TCP.
    if as_root mysql -u root -e "SELECT 1" >/dev/null 2>&1; then
      as_root mysql -u root -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD(''); FLUSH PRIVILEGES" >/dev/null 2>&1 || true
    fi
    sleep 1
  done
  mysqladmin -h 127.0.0.1 -u root ping
  mysql -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS test"
}

port_open() {
  python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)"
}

# MongoDB: a real mongod if one answers on 27017, else SecantusDB (a MongoDB-wire server on
# WiredTiger, from PyPI) in a virtualenv of its own.
start_mongodb() {
  if port_open 27017; then
    return
  fi
  local venv="${STRATA_SECANTUS_VENV:-$HOME/.cache/strata/secantus-venv}"
  local data="${STRATA_SECANTUS_DATA:-$HOME/.cache/strata/secantus-data}"
  if [ ! -x "$venv/bin/secantusd-py" ]; then
    log "installing SecantusDB into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q SecantusDB==0.7.0b3
  fi
  # The tests keep nothing on the server between runs, and a storage left by an earlier run
  # (its oplog included) carries whatever that run wrote: start on an empty one.
  rm -rf "$data"
  mkdir -p "$data"
  log "starting SecantusDB on 127.0.0.1:27017"
  nohup "$venv/bin/secantusd-py" --port 27017 --storage-path "$data" >"$data/server.log" 2>&1 &
  for _ in $(seq 1 60); do
    port_open 27017 && break
    sleep 1
  done
  port_open 27017 || { log "SecantusDB did not start: see $data/server.log"; exit 1; }
}

engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(postgres mysql mongodb)
for engine in "${engines[@]}"; do
  case "$engine" in
    postgres) start_postgres ;;
    mysql) start_mariadb ;;
    mongodb) start_mongodb ;;
    *) log "unknown engine $engine (expected postgres, mysql or mongodb)"; exit 2 ;;
  esac
done
log "ready"
