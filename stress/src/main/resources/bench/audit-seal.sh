#!/usr/bin/env bash
# The audit trail's cost on the lock acquire statement (acquire_audited.sql), replayed with pgbench
# on one PostgreSQL, in three schemas built from sql/:
#   chained   migrations before V14: each audited statement links its row into a hash chain (trigger)
#   sealed    all migrations: rows are sealed after commit; a sealer runs every second meanwhile,
#             sealing until it is caught up, as the service's AuditSealer does
#   unsealed  all migrations, no sealer: the statement's own ceiling
# Each repetition runs chained, sealed, unsealed, chained back to back at each client count; the
# machine may be shared, so read the ratios, not the absolute figures.
# Usage: stress/src/main/resources/bench/audit-seal.sh [seconds per run, default 15] [repetitions, default 3]
set -euo pipefail
cd "$(dirname "$0")/../../../../.."
RUN_SECONDS=${1:-15}
REPETITIONS=${2:-3}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
SCRIPT=stress/src/main/resources/bench/acquire_audited.sql

create() { # database, migrations to leave out (a grep pattern)
  dropdb --if-exists --force "$1"
  createdb "$1"
  psql -q -d "$1" -c "CREATE TABLE flyway_schema_history (installed_rank int)"
  for migration in $(ls sql/V*__*.sql | sort -V | grep -v -E "$2"); do
    psql -q -v ON_ERROR_STOP=1 -d "$1" -f "$migration" >/dev/null
  done
  psql -q -d "$1" -c "INSERT INTO agents (id, agent_type, trust, key_hash) VALUES ('bench', 'bench', 2, sha256('bench'::bytea))"
}

seal_until_caught_up() {
  while [ "$(psql -qAt -d bench_audit_sealed -c 'SELECT audit_seal(5000)')" -eq 5000 ]; do :; done
}

run() { # database, clients; prints transactions per second
  local sealer=
  if [ "$1" = bench_audit_sealed ]; then
    (while true; do seal_until_caught_up; sleep 1; done) & sealer=$!
  fi
  pgbench -n -M prepared -T "$RUN_SECONDS" -c "$2" -j "$(( $2 < 2 ? 1 : 2 ))" -f "$SCRIPT" "$1" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
  if [ -n "$sealer" ]; then
    kill "$sealer"; wait "$sealer" 2>/dev/null || true
    seal_until_caught_up
  fi
}

create bench_audit_chained 'V1[4-9]__|V[2-9][0-9]__'
create bench_audit_sealed '^$'
create bench_audit_unsealed '^$'
echo "clients repetition chained sealed unsealed chained_again sealed/chained sealed/unsealed"
for clients in 1 16; do
  for repetition in $(seq 1 "$REPETITIONS"); do
    a=$(run bench_audit_chained "$clients"); s=$(run bench_audit_sealed "$clients")
    u=$(run bench_audit_unsealed "$clients"); b=$(run bench_audit_chained "$clients")
    awk -v c="$clients" -v r="$repetition" -v a="$a" -v s="$s" -v u="$u" -v b="$b" \
      'BEGIN { printf "%d %d %.0f %.0f %.0f %.0f %.2f %.2f\n", c, r, a, s, u, b, s / ((a + b) / 2), s / u }'
  done
done
psql -qAt -d bench_audit_sealed -c "SELECT 'rows never left unsealed: ' || (count(*) = (SELECT count(*) FROM audit_seals)) FROM audit_log"
