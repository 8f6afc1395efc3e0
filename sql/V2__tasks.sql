-- The work queue. A task is claimed under a lease: the claimant gets a fresh claim token and must
-- complete or renew before the lease ends, or the sweeper gives the task back to the queue.
CREATE TABLE tasks (
  id                uuid PRIMARY KEY,
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- submission order: FIFO within a priority
  task_type         text NOT NULL CHECK (task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  description       text NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
  input             jsonb,
  priority          smallint NOT NULL CHECK (priority BETWEEN 1 AND 10),
  status            text NOT NULL CHECK (status IN ('pending', 'claimed', 'completed', 'failed', 'cancelled')),
  depends_on        uuid[] NOT NULL DEFAULT '{}',
  submitted_by      text NOT NULL,
  claimed_by        text,
  claim_session     text,
  claim_token       uuid,
  attempt           integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts      integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
  lease_seconds     integer CHECK (lease_seconds BETWEEN 1 AND 86400),
  lease_expires_at  timestamptz,
  result            jsonb,
  error             text,
  deadline          timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  claimed_at        timestamptz,
  completed_at      timestamptz,
  -- A live claim has a token and a lease; a finished task keeps the token of the claim that finished it.
  CHECK ((status = 'claimed') = (lease_expires_at IS NOT NULL)),
  CHECK (status <> 'claimed' OR (claim_token IS NOT NULL AND claimed_by IS NOT NULL))
);
-- Claims scan pending tasks in priority then submission order.
CREATE INDEX tasks_claimable ON tasks (priority, seq) WHERE status = 'pending';
CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE status = 'claimed';
CREATE INDEX tasks_deadlines ON tasks (deadline) WHERE status IN ('pending', 'claimed') AND deadline IS NOT NULL;
CREATE INDEX tasks_claim_session ON tasks (claim_session) WHERE status = 'claimed';

-- The dependency edges, both ways: "is every dependency completed?" and "whom does a failure doom?".
CREATE TABLE task_dependencies (
  task        uuid NOT NULL REFERENCES tasks (id),
  depends_on  uuid NOT NULL REFERENCES tasks (id),
  PRIMARY KEY (task, depends_on)
);
CREATE INDEX task_dependencies_depends_on ON task_dependencies (depends_on);

-- Every claim ever made: tells a stale claimant (STALE_CLAIM) from a stranger (NOT_CLAIMANT).
CREATE TABLE task_claims (
  claim_token  uuid PRIMARY KEY,
  task         uuid NOT NULL REFERENCES tasks (id),
  agent        text NOT NULL,
  claimed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_claims_task ON task_claims (task);

GRANT SELECT, INSERT, UPDATE ON tasks, task_dependencies, task_claims TO coordinator_service;
GRANT SELECT ON tasks, task_dependencies, task_claims TO coordinator_readonly;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_dependencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_claims ENABLE ROW LEVEL SECURITY;
CREATE POLICY tasks_service_all ON tasks FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY tasks_readonly_read ON tasks FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY task_dependencies_service_all ON task_dependencies FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY task_dependencies_readonly_read ON task_dependencies FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY task_claims_service_all ON task_claims FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY task_claims_readonly_read ON task_claims FOR SELECT TO coordinator_readonly USING (true);
