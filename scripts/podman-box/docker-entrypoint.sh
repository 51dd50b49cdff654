#!/bin/bash
# Stand-in for the official postgres image's docker-entrypoint.sh
# (docker-library/postgres, 17/alpine): same user (postgres, uid 70), same
# PGDATA, same POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB/POSTGRES_INITDB_ARGS
# handling on an empty data directory, same "host all all all scram-sha-256"
# rule, then exec of the command as postgres. Only what mxhome's unit uses.
set -Eeuo pipefail

if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi

if [[ ${1:-} == postgres && $(id -u) == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$BASH_SOURCE" "$@"
fi

if [[ ${1:-} == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  : "${POSTGRES_PASSWORD:?the official image refuses to initialise without POSTGRES_PASSWORD}"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is word-split, as upstream does
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") ${POSTGRES_INITDB_ARGS:-}
  printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  if [[ $db != postgres ]]; then
    psql -v ON_ERROR_STOP=1 --username "$user" --no-password --dbname postgres -p 5432 \
      --set db="$db" <<<'CREATE DATABASE :"db";'
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
