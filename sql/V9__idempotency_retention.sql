-- Idempotency retention (HARD-3): stored outcomes are kept for --idempotency-retention hours and
-- then pruned by a periodic sweep on every node. The sweep deletes in batches of rows it could
-- lock (FOR UPDATE SKIP LOCKED), so sweeps on several nodes never block each other. Locking a row
-- needs UPDATE rights; the UPDATE policy lets the service lock rows but never change one (its
-- WITH CHECK refuses every new row version), so a stored outcome stays exactly as first written.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

GRANT DELETE ON idempotency_keys TO coordinator_service;
GRANT UPDATE (created_at) ON idempotency_keys TO coordinator_service;
CREATE POLICY idempotency_service_prune ON idempotency_keys FOR DELETE TO coordinator_service USING (true);
CREATE POLICY idempotency_service_lock ON idempotency_keys FOR UPDATE TO coordinator_service
  USING (true) WITH CHECK (false);
