#!/usr/bin/env bash
# Start a local PostgreSQL for the tests that prove the same code runs on it.
# Prints the URL to use as DX_TEST_POSTGRES_URL. Idempotent.
set -euo pipefail
# Only the URL goes to stdout (the caller captures it); everything the tools print goes to stderr.
# (pg_ctlcluster prints "Removed stale pid file." after an unclean shutdown, which once broke the URL.)
exec 3>&1 1>&2
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q .; then
  pg_createcluster "$ver" main >/dev/null
fi
cluster=$(pg_lsclusters -h | head -1 | awk '{print $1" "$2}')
port=$(pg_lsclusters -h | head -1 | awk '{print $3}')
pg_lsclusters -h | head -1 | grep -q online || pg_ctlcluster $cluster start 3>&-  # the server must not hold the caller's pipe
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -Atqc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -Atqc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dx_test') THEN CREATE ROLE dx_test LOGIN CREATEDB PASSWORD 'dx_test'; END IF; END \\\$\\\$;\"" >/dev/null
# DROP DATABASE … WITH (FORCE) at the end of a test must be able to stop an autovacuum worker
# that happens to be in that database (otherwise: "must be a member of the role whose process…")
su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -Atqc 'GRANT pg_signal_backend TO dx_test'" >/dev/null
echo "postgresql://dx_test:dx_test@127.0.0.1:$port/postgres" >&3
