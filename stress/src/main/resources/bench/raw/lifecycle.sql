-- G6 raw: submit a job, claim the next pending one, complete it: 3 transactions, each with its audit row.
BEGIN;
INSERT INTO bench_jobs (task_type, priority, status, payload) VALUES ('bench', 5, 'pending', '{}') RETURNING id AS submitted \gset
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'submit_work', :submitted::text, 'ok');
COMMIT;
BEGIN;
WITH claimed AS (
  UPDATE bench_jobs SET status = 'claimed', claimed_by = 'c' || :client_id, claim_token = gen_random_uuid(),
    lease_until = now() + interval '600 seconds'
  WHERE id = (SELECT id FROM bench_jobs WHERE status = 'pending' ORDER BY priority, id FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING id)
SELECT coalesce(max(id), 0) AS job FROM claimed \gset
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'claim_task', :job::text, 'ok');
COMMIT;
BEGIN;
UPDATE bench_jobs SET status = 'completed', result = '{}', lease_until = NULL WHERE id = :job AND claimed_by = 'c' || :client_id;
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'complete_work', :job::text, 'ok');
COMMIT;
