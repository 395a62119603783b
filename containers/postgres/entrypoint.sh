#!/bin/bash
# initdb on the first start (password auth for the role POSTGRES_USER over
# the network), then postgres in the foreground.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
data=/var/lib/postgresql/data/pgdata
user=${POSTGRES_USER:-skred}
db=${POSTGRES_DB:-skred}
if [ ! -s "$data/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "pg-entrypoint: set POSTGRES_PASSWORD" >&2; exit 1; }
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  "$bin/initdb" -D "$data" -U "$user" --pwfile="$pw" --auth-local=peer --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$data/pg_hba.conf"
  "$bin/pg_ctl" -D "$data" -o "-c listen_addresses=127.0.0.1" -w start >/dev/null
  # the local socket's peer login is the OS user postgres; connect as $user over TCP
  PGPASSWORD=$POSTGRES_PASSWORD "$bin/psql" -q -h 127.0.0.1 -U "$user" -d postgres \
    -c "CREATE DATABASE \"$db\" OWNER \"$user\"" >/dev/null
  "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
fi
exec "$bin/postgres" -D "$data" -c listen_addresses='*' -c shared_buffers=32MB -c max_connections=50
