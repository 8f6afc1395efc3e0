-- Waits that cross nodes (issue 13). The database is the only place a wait is known to every node:
-- the line of lock waiters and the waiting claims are rows, each carrying the node that answers it.
-- Wake-ups come from the database too: the triggers below NOTIFY 'coordinator_waits' (delivered
-- only after commit, whoever made the change: any node, a sweeper, an operator's psql), and every
-- node relays what it hears to its local waiters. NOTIFY takes a global lock at commit, so each
-- trigger first asks whether anyone waits (an index probe) and stays silent when nobody does.

-- Nodes that have waits to answer, and when each last said it is alive (every sweep). The waits of
-- a node silent longer than the session timeout are deleted by the others (the backstop for a node
-- that froze or was never clustered; a member that leaves the cluster is forgotten at once).
CREATE TABLE nodes (
  node_id       text PRIMARY KEY CHECK (length(node_id) BETWEEN 1 AND 128),
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- The line of lock waiters: per key, in arrival order (seq). Only the earliest live waiter of a key
-- may be granted a free lock; a waiter past its deadline is not live (its node answers it).
CREATE TABLE lock_waits (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 512),
  agent       text NOT NULL,
  session_id  text,
  node_id     text NOT NULL,
  request_id  text,
  deadline    timestamptz NOT NULL
);
CREATE INDEX lock_waits_key ON lock_waits (key, seq);
CREATE INDEX lock_waits_node ON lock_waits (node_id);
CREATE INDEX lock_waits_session ON lock_waits (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX lock_waits_request ON lock_waits (agent, request_id);

-- Claims waiting for work (task_types empty: any type).
CREATE TABLE claim_waits (
  id          uuid PRIMARY KEY,
  agent       text NOT NULL,
  session_id  text,
  node_id     text NOT NULL,
  request_id  text,
  task_types  text[] NOT NULL,
  deadline    timestamptz NOT NULL
);
CREATE INDEX claim_waits_node ON claim_waits (node_id);
CREATE INDEX claim_waits_session ON claim_waits (session_id) WHERE session_id IS NOT NULL;

-- Where waiter {@code mine} (null: an acquire that does not wait) stands in the line of {@code wait_key}
-- at time {@code at}: how many live waiters are ahead, the earliest deadline among them, and whether
-- {@code mine} is still in line. VOLATILE, so it reads with a snapshot of its own, taken when it is
-- called: an acquire calls it once it holds the key's transaction lock, so it sees every entry that
-- committed before (entries take that lock too), whatever the snapshot of the calling statement.
CREATE FUNCTION lock_line(wait_key text, mine bigint, at timestamptz,
                          OUT ahead integer, OUT next_deadline timestamptz, OUT in_line boolean)
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  SELECT count(*), min(w.deadline) INTO ahead, next_deadline FROM lock_waits w
  WHERE w.key = wait_key AND w.deadline > at AND (mine IS NULL OR w.seq < mine);
  in_line := mine IS NOT NULL AND EXISTS (SELECT 1 FROM lock_waits w WHERE w.seq = mine);
END
$$;

-- A lock row went away or changed hands, or its lease was cut short, or a waiter left the line
-- (granted, timed out, cancelled, its session or node gone): the key's remaining waiters try again.
CREATE FUNCTION lock_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM lock_waits WHERE key = OLD.key) THEN
    PERFORM pg_notify('coordinator_waits', 'lock:' || OLD.key);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER lock_freed AFTER DELETE ON locks FOR EACH ROW EXECUTE FUNCTION lock_changed();
CREATE TRIGGER lock_moved AFTER UPDATE ON locks FOR EACH ROW
  WHEN (OLD.fencing_token IS DISTINCT FROM NEW.fencing_token OR OLD.holder IS DISTINCT FROM NEW.holder
        OR OLD.session_id IS DISTINCT FROM NEW.session_id OR NEW.expires_at < OLD.expires_at)
  EXECUTE FUNCTION lock_changed();

CREATE TRIGGER lock_wait_left AFTER DELETE ON lock_waits FOR EACH ROW EXECUTE FUNCTION lock_changed();

-- A task became claimable (submitted, or back in the queue): claims waiting for its type try again.
CREATE FUNCTION task_claimable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM claim_waits WHERE cardinality(task_types) = 0 OR NEW.task_type = ANY (task_types)) THEN
    PERFORM pg_notify('coordinator_waits', 'task:' || NEW.task_type);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER task_submitted AFTER INSERT ON tasks FOR EACH ROW
  WHEN (NEW.status = 'pending') EXECUTE FUNCTION task_claimable();
CREATE TRIGGER task_requeued AFTER UPDATE OF status ON tasks FOR EACH ROW
  WHEN (NEW.status = 'pending' AND OLD.status <> 'pending') EXECUTE FUNCTION task_claimable();

-- A task completed: the tasks depending on it may be claimable now, whatever their type.
CREATE FUNCTION task_completed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM claim_waits) AND EXISTS (SELECT 1 FROM task_dependencies WHERE depends_on = NEW.id) THEN
    PERFORM pg_notify('coordinator_waits', 'task:');
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER task_completed AFTER UPDATE OF status ON tasks FOR EACH ROW
  WHEN (NEW.status = 'completed' AND OLD.status <> 'completed') EXECUTE FUNCTION task_completed();

-- A session ended or was reaped: its waits end with it, on whichever node they wait.
CREATE FUNCTION session_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM lock_waits WHERE session_id = NEW.id::text)
     OR EXISTS (SELECT 1 FROM claim_waits WHERE session_id = NEW.id::text) THEN
    PERFORM pg_notify('coordinator_waits', 'session:' || NEW.id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER session_closed AFTER UPDATE OF status ON sessions FOR EACH ROW
  WHEN (OLD.status = 'active' AND NEW.status <> 'active') EXECUTE FUNCTION session_closed();

GRANT SELECT, INSERT, UPDATE, DELETE ON nodes TO coordinator_service;
GRANT SELECT, INSERT, DELETE ON lock_waits, claim_waits TO coordinator_service;
GRANT SELECT ON nodes, lock_waits, claim_waits TO coordinator_readonly;
GRANT EXECUTE ON FUNCTION lock_line(text, bigint, timestamptz), lock_changed(), task_claimable(),
  task_completed(), session_closed() TO coordinator_service;

ALTER TABLE nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE lock_waits ENABLE ROW LEVEL SECURITY;
ALTER TABLE claim_waits ENABLE ROW LEVEL SECURITY;
CREATE POLICY nodes_service_all ON nodes FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY nodes_readonly_read ON nodes FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY lock_waits_service_all ON lock_waits FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY lock_waits_readonly_read ON lock_waits FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY claim_waits_service_all ON claim_waits FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY claim_waits_readonly_read ON claim_waits FOR SELECT TO coordinator_readonly USING (true);
