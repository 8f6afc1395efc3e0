-- Foundation schema: roles, agents, locks, idempotency records and the hash-chained audit trail.
-- The migration runs as the schema owner. Roles are server-wide, so they are created only where
-- they are missing: several coordinator databases may share one server (tests do).

DO $roles$
BEGIN
  BEGIN
    CREATE ROLE coordinator_service NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE coordinator_readonly NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  -- The service may connect as the owner; every pooled connection then runs as
  -- coordinator_service (startup option role=coordinator_service), so the owner must be a member.
  IF NOT pg_has_role(current_user, 'coordinator_service', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT coordinator_service TO %I', current_user);
    EXCEPTION WHEN unique_violation THEN NULL;
    END;
  END IF;
END
$roles$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO coordinator_service, coordinator_readonly;

-- Agents: identity, type, trust; only a SHA-256 of the key is stored.
CREATE TABLE agents (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$'),
  agent_type  text NOT NULL CHECK (agent_type ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  trust       smallint NOT NULL CHECK (trust BETWEEN 0 AND 4),
  key_hash    bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every node caches profiles; a change anywhere (the service, the CLI, psql) tells them all.
CREATE FUNCTION agents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('coordinator_agents', coalesce(NEW.id, OLD.id));
  RETURN NULL;
END
$$;
CREATE TRIGGER agents_changed AFTER INSERT OR UPDATE OR DELETE ON agents
  FOR EACH ROW EXECUTE FUNCTION agents_changed();

-- Locks: one row per key. A row whose expires_at has passed is free to take.
CREATE SEQUENCE lock_fencing_token_seq;
CREATE TABLE locks (
  key            text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 512),
  holder         text NOT NULL REFERENCES agents (id),
  agent_type     text NOT NULL,
  session_id     text,
  fencing_token  bigint NOT NULL,
  reason         text,
  ttl_seconds    integer NOT NULL CHECK (ttl_seconds BETWEEN 1 AND 28800),
  acquired_at    timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX locks_expires_at ON locks (expires_at);
CREATE INDEX locks_session_id ON locks (session_id) WHERE session_id IS NOT NULL;

-- Idempotency: the first outcome of a mutation, stored in the mutation's own transaction.
CREATE TABLE idempotency_keys (
  agent         text NOT NULL,
  key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
  request_hash  bytea NOT NULL,
  reply         json NOT NULL,        -- json, not jsonb: a replay answers byte for byte what was first answered
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent, key)
);

-- Audit: append-only. Rows are spread over 64 hash chains by resource, so unrelated mutations
-- do not queue behind one chain head; each row carries the hash of the previous row of its chain.
CREATE TABLE audit_chain_heads (
  chain      smallint PRIMARY KEY,
  seq        bigint NOT NULL,
  genesis    bytea NOT NULL,
  last_hash  bytea NOT NULL
);
INSERT INTO audit_chain_heads (chain, seq, genesis, last_hash)
  SELECT g, 0, sha256(convert_to('coordinator-audit-genesis-' || g, 'UTF8')),
         sha256(convert_to('coordinator-audit-genesis-' || g, 'UTF8'))
  FROM generate_series(0, 63) AS g;

CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain       smallint NOT NULL,
  chain_seq   bigint NOT NULL,
  at          timestamptz NOT NULL,
  agent       text NOT NULL,
  agent_type  text,
  session_id  text,
  request_id  text,
  action      text NOT NULL,
  resource    text,
  decision    text NOT NULL CHECK (decision IN ('allow', 'deny')),
  reason      text,
  engine      text,
  outcome     text NOT NULL CHECK (outcome IN ('ok', 'denied', 'blocked', 'error')),
  params      jsonb NOT NULL DEFAULT '{}'::jsonb,
  result      jsonb,
  prev_hash   bytea NOT NULL,
  hash        bytea NOT NULL,
  UNIQUE (chain, chain_seq)
);
CREATE INDEX audit_log_agent ON audit_log (agent, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);

-- The digest covers every column but the hash itself; jsonb and epoch text are canonical.
CREATE FUNCTION audit_digest(prev bytea, a audit_log) RETURNS bytea
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(prev || convert_to(jsonb_build_array(
    a.id, a.chain, a.chain_seq, extract(epoch FROM a.at)::text, a.agent, a.agent_type, a.session_id,
    a.request_id, a.action, a.resource, a.decision, a.reason, a.engine, a.outcome, a.params, a.result
  )::text, 'UTF8'))
$$;

-- Links each new row into its chain. SECURITY DEFINER: the service role may insert audit rows
-- but cannot touch the chain heads itself.
CREATE FUNCTION audit_chain_append() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head audit_chain_heads%ROWTYPE;
BEGIN
  NEW.chain := hashtext(coalesce(NEW.resource, NEW.agent)) & 63;
  SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
  NEW.chain_seq := head.seq + 1;
  NEW.at := clock_timestamp();
  NEW.prev_hash := head.last_hash;
  NEW.hash := audit_digest(head.last_hash, NEW);
  UPDATE audit_chain_heads SET seq = NEW.chain_seq, last_hash = NEW.hash WHERE chain = NEW.chain;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_chain_append BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_chain_append();

-- Append-only for everyone, the owner included (grants already keep the service role out).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Rights. The service role: what the running service needs and nothing more.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;

GRANT SELECT ON agents TO coordinator_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON locks TO coordinator_service;
GRANT USAGE ON SEQUENCE lock_fencing_token_seq TO coordinator_service;
GRANT SELECT, INSERT ON idempotency_keys TO coordinator_service;
GRANT SELECT, INSERT ON audit_log TO coordinator_service;
GRANT SELECT ON audit_chain_heads TO coordinator_service;
GRANT EXECUTE ON FUNCTION audit_digest(bytea, audit_log) TO coordinator_service, coordinator_readonly;
GRANT EXECUTE ON FUNCTION audit_chain_append() TO coordinator_service;
GRANT EXECUTE ON FUNCTION audit_append_only() TO coordinator_service;
GRANT EXECUTE ON FUNCTION agents_changed() TO coordinator_service;

-- The read-only role reads everything but key hashes, and writes nothing.
GRANT SELECT (id, agent_type, trust, created_at, updated_at) ON agents TO coordinator_readonly;
GRANT SELECT ON locks, audit_log, audit_chain_heads TO coordinator_readonly;

-- Row-level security on every table holding agent data: a role sees rows only through a policy
-- written for it, so a role granted access by mistake still sees nothing.
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE locks ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY agents_service_read ON agents FOR SELECT TO coordinator_service USING (true);
CREATE POLICY agents_readonly_read ON agents FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY locks_service_all ON locks FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY locks_readonly_read ON locks FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY idempotency_service_read ON idempotency_keys FOR SELECT TO coordinator_service USING (true);
CREATE POLICY idempotency_service_insert ON idempotency_keys FOR INSERT TO coordinator_service WITH CHECK (true);
CREATE POLICY audit_service_read ON audit_log FOR SELECT TO coordinator_service USING (true);
CREATE POLICY audit_service_insert ON audit_log FOR INSERT TO coordinator_service WITH CHECK (true);
CREATE POLICY audit_readonly_read ON audit_log FOR SELECT TO coordinator_readonly USING (true);
