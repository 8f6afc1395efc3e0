-- G2 raw: claim the next pending job (FOR UPDATE SKIP LOCKED LIMIT 1) with its audit row, in one transaction.
BEGIN;
WITH claimed AS (
  UPDATE bench_jobs SET status = 'claimed', claimed_by = 'c' || :client_id, claim_token = gen_random_uuid(),
    lease_until = now() + interval '600 seconds'
  WHERE id = (SELECT id FROM bench_jobs WHERE status = 'pending' ORDER BY priority, id FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING id)
SELECT coalesce(max(id), 0) AS job FROM claimed \gset
INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ('c' || :client_id, 'claim_task', :job::text, 'ok');
COMMIT;
