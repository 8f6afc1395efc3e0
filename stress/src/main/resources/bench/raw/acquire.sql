-- G3 raw: one lock acquire of a key never taken before, with its audit row, in one transaction.
\set key random(1, 2000000000)
BEGIN;
INSERT INTO bench_locks AS l (key, holder, fencing_token, acquired_at, expires_at)
  VALUES ('bench/' || :key, 'c' || :client_id, nextval('bench_fencing'), now(), now() + interval '60 seconds')
  ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, fencing_token = excluded.fencing_token,
    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
  WHERE l.expires_at <= excluded.acquired_at OR l.holder = excluded.holder;
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'acquire_lock', 'bench/' || :key, 'ok');
COMMIT;
