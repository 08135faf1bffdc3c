#!/usr/bin/env bash
# Install Debian's PostgreSQL, start a cluster on 127.0.0.1:5432 and create the test role and database.
# Idempotent (a second run finds everything in place). Progress goes to stderr; the one line on stdout is
# the SQLAlchemy URL of the test database, for:
#
#     export STANCEMAP_TEST_PG="$(bash .ci/postgres.sh)"
#
# Needs root (apt-get, and running pg_ctlcluster as the postgres user).
set -euo pipefail

ROLE=stancemap
PASSWORD=stancemap
DB=stancemap_test
PORT=${PGPORT:-5432}

log() { echo "postgres.sh: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
fi

VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n1)
CLUSTER=main
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
    log "creating cluster $VERSION/$CLUSTER"
    pg_createcluster "$VERSION" "$CLUSTER" -p "$PORT" >&2
fi
CONF=/etc/postgresql/$VERSION/$CLUSTER/postgresql.conf
# Listen on 127.0.0.1 only, on the port we were asked for.
sed -i -E "s/^#?listen_addresses\s*=.*/listen_addresses = '127.0.0.1'/; s/^#?port\s*=.*/port = $PORT/" "$CONF"

if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
    log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
    if su postgres -c "psql -p $PORT -h 127.0.0.1 -tAc 'select 1'" >/dev/null 2>&1 \
        || su postgres -c "psql -p $PORT -tAc 'select 1'" >/dev/null 2>&1; then
        break
    fi
    sleep 0.5
done

psql_admin() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -tAc \"$1\""; }

if [ "$(psql_admin "select 1 from pg_roles where rolname = '$ROLE'")" != "1" ]; then
    log "creating role $ROLE"
    psql_admin "create role $ROLE login createdb password '$PASSWORD'" >&2
fi
if [ "$(psql_admin "select 1 from pg_database where datname = '$DB'")" != "1" ]; then
    log "creating database $DB"
    psql_admin "create database $DB owner $ROLE" >&2
fi
# pg_trgm indexes the actor search; it is a trusted extension, but create it here too in case the
# role may not (older servers).
su postgres -c "psql -p $PORT -d $DB -v ON_ERROR_STOP=1 -tAc 'create extension if not exists pg_trgm'" >&2

echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
