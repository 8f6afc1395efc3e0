-- G1 raw: a lock acquire + release cycle as a developer would write it by hand, one key per client:
-- acquire (upsert-if-expired-or-mine) + its audit row in one transaction, release (delete-if-mine)
-- + its audit row in another: 4 statements, 2 commits.
BEGIN;
INSERT INTO bench_locks AS l (key, holder, fencing_token, acquired_at, expires_at)
  VALUES ('bench/' || :client_id, 'c' || :client_id, nextval('bench_fencing'), now(), now() + interval '60 seconds')
  ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, fencing_token = excluded.fencing_token,
    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
  WHERE l.expires_at <= excluded.acquired_at OR l.holder = excluded.holder;
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'acquire_lock', 'bench/' || :client_id, 'ok');
COMMIT;
BEGIN;
DELETE FROM bench_locks WHERE key = 'bench/' || :client_id AND holder = 'c' || :client_id;
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'release_lock', 'bench/' || :client_id, 'ok');
COMMIT;
