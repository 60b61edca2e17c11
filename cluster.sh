#!/usr/bin/env bash
# A local ACD cluster on loopback: PostgreSQL, 3 silos and 2 frontends (Orleans clients), each its own process.
#   ./cluster.sh up       build, start everything, print the URLs (idempotent: running parts are left alone)
#   ./cluster.sh down     stop the processes (SIGTERM, so silos leave the cluster gracefully) and PostgreSQL
#   ./cluster.sh status   what runs, each process's /health/ready, and the silos in the membership table
#   ./cluster.sh clean    down, then delete .cluster/ (database, logs, build)
# Everything lives under .cluster/ (gitignored). Ports: ACD_PORT_BASE (default 7100) + offsets listed by `up`.
# RTP: ACD_MEDIA_PORT_BASE (default 40000), 1000 ports per frontend. ACD_DRAIN_SECONDS (default 30): how long a stopping frontend keeps its calls.
# Needs the .NET SDK, node/npm (web UI) and the Debian postgresql package (scripts/install-test-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"

ROOT="$PWD/.cluster"
BASE="${ACD_PORT_BASE:-7100}"
PG_PORT=$((BASE + 32))            # 7132
SILOS=3
FRONTENDS=2
MEDIA_BASE="${ACD_MEDIA_PORT_BASE:-40000}"
# A stopping frontend keeps its calls up this long (production: 3600 s, see k8s/README.md); short here, so `down` is quick.
DRAIN_SECONDS="${ACD_DRAIN_SECONDS:-30}"
CLUSTER_ID="${ACD_CLUSTER_ID:-local}"
SERVICE_ID="acd"

silo_port()      { echo $((BASE + 10 + $1)); }   # 7111..7113 silo-to-silo
gateway_port()   { echo $((BASE + 20 + $1)); }   # 7121..7123 client gateways
silo_http()      { echo $((BASE + 40 + $1)); }   # 7141..7143 dashboard + health
frontend_http()  { echo $((BASE + 80 + $1)); }   # 7181..7182 web UI, API, SignalR, SIP over WebSocket
frontend_sip()   { echo $((BASE + 60 + $1)); }   # 7161..7162 SIP UDP + TCP
# RTP/RTCP of the calls each frontend anchors: a range of its own per frontend (40000-40999, 41000-41999, ...).
frontend_media_min() { echo $((MEDIA_BASE + ($1 - 1) * 1000)); }
frontend_media_max() { echo $((MEDIA_BASE + ($1 - 1) * 1000 + 999)); }

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql (see scripts/install-test-deps.sh)" >&2; exit 1; }
  echo "$bin"
}

# PostgreSQL refuses to run as root: use the postgres OS user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

connection_string() {
  echo "Host=127.0.0.1;Port=$PG_PORT;Database=acd;Username=acd;Password=$(cat "$ROOT/secrets/pg-password")"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

secret() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }

wait_http() { # url seconds name
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "  $3 not ready at $1 after $2 s; see $ROOT/logs/$3.log" >&2; return 1; fi
    sleep 0.5
  done
}

build() {
  if [ "${ACD_NO_BUILD:-}" = 1 ] && [ -f "$ROOT/app/silo/Acd.Silo.dll" ]; then return; fi
  echo "==> publishing silo and frontend (Release) into $ROOT/app"
  dotnet publish src/Silo -c Release -o "$ROOT/app/silo" --nologo -v quiet
  dotnet publish src/Frontend -c Release -o "$ROOT/app/frontend" --nologo -v quiet
}

start_postgres() {
  local bin; bin=$(pg_bin)
  mkdir -p "$ROOT/pg" "$ROOT/secrets" "$ROOT/logs" "$ROOT/pids"
  [ -f "$ROOT/secrets/pg-password" ] || secret | tr -dc 'A-Za-z0-9' > "$ROOT/secrets/pg-password"
  [ "$(id -u)" -eq 0 ] && chown postgres "$ROOT/pg"
  if [ ! -f "$ROOT/pg/data/PG_VERSION" ]; then
    echo "==> initdb $ROOT/pg/data"
    local pwfile="$ROOT/pg/superuser-password"
    secret | tr -dc 'A-Za-z0-9' > "$pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$pwfile"
    as_pg "$bin/initdb" -D "$ROOT/pg/data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=trust \
      -E UTF8 --locale=C >"$ROOT/logs/initdb.log"
  fi
  if as_pg "$bin/pg_ctl" -D "$ROOT/pg/data" status >/dev/null 2>&1; then
    echo "==> PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    echo "==> starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$ROOT/pg/data" -l "$ROOT/pg/server.log" -w -t 30 \
      -o "-k $ROOT/pg -p $PG_PORT -h 127.0.0.1" start >/dev/null
  fi
  # The product's role and database (idempotent); local socket connections are trusted for the superuser only.
  local pw; pw=$(cat "$ROOT/secrets/pg-password")
  as_pg "$bin/psql" -h "$ROOT/pg" -p "$PG_PORT" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 <<SQL >/dev/null
SELECT 'CREATE ROLE acd LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acd') \gexec
ALTER ROLE acd PASSWORD '$pw';
SELECT 'CREATE DATABASE acd OWNER acd' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'acd') \gexec
SQL
}

common_env() {
  export Cluster__Mode=Postgres Cluster__ClusterId="$CLUSTER_ID" Cluster__ServiceId="$SERVICE_ID"
  export Cluster__AdvertisedAddress=127.0.0.1 ConnectionStrings__Acd="$(connection_string)"
  export DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production
}

start_silo() { # index
  local i=$1 name="silo$1"
  if alive "$ROOT/pids/$name.pid"; then echo "  $name already running"; return; fi
  (
    common_env
    export Cluster__SiloPort="$(silo_port "$i")" Cluster__GatewayPort="$(gateway_port "$i")"
    export ASPNETCORE_URLS="http://127.0.0.1:$(silo_http "$i")"
    cd "$ROOT/app/silo"
    exec dotnet Acd.Silo.dll >"$ROOT/logs/$name.log" 2>&1
  ) &
  echo $! >"$ROOT/pids/$name.pid"
}

start_frontend() { # index
  local i=$1 name="frontend$1"
  if alive "$ROOT/pids/$name.pid"; then echo "  $name already running"; return; fi
  [ -f "$ROOT/secrets/signing-key" ] || secret >"$ROOT/secrets/signing-key"
  [ -f "$ROOT/secrets/admin-password" ] || secret | tr -dc 'A-Za-z0-9' | head -c 16 >"$ROOT/secrets/admin-password"
  (
    common_env
    export Cluster__CoHostSilo=false
    export ASPNETCORE_URLS="http://127.0.0.1:$(frontend_http "$i")"
    export Auth__SigningKey="$(cat "$ROOT/secrets/signing-key")" Bootstrap__AdminPassword="$(cat "$ROOT/secrets/admin-password")"
    export Sip__ListenAddress=127.0.0.1 Sip__UdpPort="$(frontend_sip "$i")" Sip__TcpPort="$(frontend_sip "$i")"
    export Sip__Domain=127.0.0.1 Sip__EdgeId="$name" Sip__DrainSeconds="$DRAIN_SECONDS"
    export Media__BindAddress=127.0.0.1 Media__PublicAddress=127.0.0.1
    export Media__PortMin="$(frontend_media_min "$i")" Media__PortMax="$(frontend_media_max "$i")"
    cd "$ROOT/app/frontend"
    exec dotnet Acd.Frontend.dll >"$ROOT/logs/$name.log" 2>&1
  ) &
  echo $! >"$ROOT/pids/$name.pid"
}

up() {
  command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
  build
  start_postgres
  echo "==> applying the schema (setup-database)"
  (common_env; cd "$ROOT/app/silo"; dotnet Acd.Silo.dll setup-database >"$ROOT/logs/setup-database.log" 2>&1) \
    || { echo "setup-database failed; see $ROOT/logs/setup-database.log" >&2; exit 1; }
  echo "==> starting $SILOS silos"
  for i in $(seq 1 $SILOS); do start_silo "$i"; done
  for i in $(seq 1 $SILOS); do wait_http "http://127.0.0.1:$(silo_http "$i")/health/ready" 90 "silo$i"; done
  echo "==> starting $FRONTENDS frontends"
  for i in $(seq 1 $FRONTENDS); do start_frontend "$i"; done
  for i in $(seq 1 $FRONTENDS); do wait_http "http://127.0.0.1:$(frontend_http "$i")/health/ready" 90 "frontend$i"; done
  echo
  echo "ACD cluster '$CLUSTER_ID' is up (logs: $ROOT/logs, pids: $ROOT/pids)"
  for i in $(seq 1 $FRONTENDS); do
    echo "  frontend$i  http://127.0.0.1:$(frontend_http "$i")/   SIP udp/tcp 127.0.0.1:$(frontend_sip "$i")   ws://127.0.0.1:$(frontend_http "$i")/sip   RTP $(frontend_media_min "$i")-$(frontend_media_max "$i")"
  done
  for i in $(seq 1 $SILOS); do
    echo "  silo$i      http://127.0.0.1:$(silo_http "$i")/dashboard   silo port $(silo_port "$i"), gateway $(gateway_port "$i")"
  done
  echo "  postgres   127.0.0.1:$PG_PORT database acd, user acd (password in $ROOT/secrets/pg-password)"
  echo "  sign in as admin with the password in $ROOT/secrets/admin-password"
}

stop_pidfile() { # file
  local f=$1 pid
  alive "$f" || { rm -f "$f"; return; }
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  # A frontend drains its calls for up to DRAIN_SECONDS; give it that plus a minute before SIGKILL.
  for _ in $(seq 1 $(( (DRAIN_SECONDS + 60) * 2 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}

down() {
  if [ -d "$ROOT/pids" ]; then
    # Frontends first (they drain their SIP calls for up to ACD_DRAIN_SECONDS and hand browsers off), then silos one at a time.
    for f in "$ROOT"/pids/frontend*.pid "$ROOT"/pids/silo*.pid; do
      [ -e "$f" ] || continue
      echo "==> stopping $(basename "$f" .pid)"
      stop_pidfile "$f"
    done
  fi
  if [ -f "$ROOT/pg/data/PG_VERSION" ]; then
    local bin; bin=$(pg_bin)
    if as_pg "$bin/pg_ctl" -D "$ROOT/pg/data" status >/dev/null 2>&1; then
      echo "==> stopping PostgreSQL"
      as_pg "$bin/pg_ctl" -D "$ROOT/pg/data" -m fast -w stop >/dev/null
    fi
  fi
}

status() {
  local f name code
  for f in "$ROOT"/pids/*.pid; do
    [ -e "$f" ] || { echo "nothing started (run ./cluster.sh up)"; break; }
    name=$(basename "$f" .pid)
    local i=${name//[!0-9]/} url
    case $name in
      silo*) url="http://127.0.0.1:$(silo_http "$i")/health/ready" ;;
      *) url="http://127.0.0.1:$(frontend_http "$i")/health/ready" ;;
    esac
    if alive "$f"; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
      printf '  %-10s pid %-7s ready %s  %s\n' "$name" "$(cat "$f")" "$code" "$url"
    else
      printf '  %-10s not running\n' "$name"
    fi
  done
  if [ -f "$ROOT/pg/data/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$ROOT/pg/data" status >/dev/null 2>&1; then
    echo "  postgres   running on 127.0.0.1:$PG_PORT; membership:"
    as_pg "$(pg_bin)/psql" -h "$ROOT/pg" -p "$PG_PORT" -U postgres -d acd -qtA -F ' ' -c \
      "SELECT '    ' || address || ':' || port, CASE status WHEN 3 THEN 'Active' WHEN 6 THEN 'Dead' WHEN 5 THEN 'Stopping' WHEN 4 THEN 'ShuttingDown' ELSE status::text END, siloname FROM orleansmembershiptable WHERE deploymentid = '$CLUSTER_ID' ORDER BY port" || true
  else
    echo "  postgres   not running"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean) down; rm -rf "$ROOT"; echo "==> removed $ROOT" ;;
  *) echo "usage: $0 up|down|status|clean" >&2; exit 2 ;;
esac
