-- Sessions: an agent's presence. A session silent for the configured timeout is reaped: exactly
-- its locks are released and its claimed tasks go back to the queue.
CREATE TABLE sessions (
  id              uuid PRIMARY KEY,
  agent           text NOT NULL REFERENCES agents (id),
  agent_type      text NOT NULL,
  capabilities    text[] NOT NULL DEFAULT '{}',
  current_task    text,
  status          text NOT NULL CHECK (status IN ('active', 'ended', 'reaped')),
  started_at      timestamptz NOT NULL DEFAULT now(),
  last_heartbeat  timestamptz NOT NULL DEFAULT now(),
  ended_at        timestamptz
);
CREATE INDEX sessions_live ON sessions (last_heartbeat) WHERE status = 'active';
CREATE INDEX sessions_agent ON sessions (agent, started_at DESC);

-- Handoffs: what an agent leaves for its successor.
CREATE TABLE handoffs (
  id              uuid PRIMARY KEY,
  seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  agent           text NOT NULL,
  agent_type      text NOT NULL,
  session_id      text,
  summary         text NOT NULL CHECK (length(summary) BETWEEN 1 AND 20000),
  completed_work  text[] NOT NULL DEFAULT '{}',
  in_progress     text[] NOT NULL DEFAULT '{}',
  decisions       text[] NOT NULL DEFAULT '{}',
  next_steps      text[] NOT NULL DEFAULT '{}',
  relevant_files  text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoffs_agent ON handoffs (agent, seq DESC);

-- Memories: lessons any agent can recall. The same agent, event type and summary within an hour
-- is one memory (remember answers "deduplicated" with the existing id).
CREATE TABLE memories (
  id          uuid PRIMARY KEY,
  agent       text NOT NULL,
  event_type  text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 64),
  summary     text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
  details     text,
  outcome     text,
  lessons     text[] NOT NULL DEFAULT '{}',
  tags        text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memories_dedup ON memories (agent, event_type, summary, created_at DESC);
CREATE INDEX memories_tags ON memories USING gin (tags);
CREATE INDEX memories_event_type ON memories (event_type, created_at DESC);

GRANT SELECT, INSERT, UPDATE ON sessions TO coordinator_service;
GRANT SELECT, INSERT ON handoffs, memories TO coordinator_service;
GRANT SELECT ON sessions, handoffs, memories TO coordinator_readonly;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE handoffs ENABLE ROW LEVEL SECURITY;
ALTER TABLE memories ENABLE ROW LEVEL SECURITY;
CREATE POLICY sessions_service_all ON sessions FOR ALL TO coordinator_service USING (true) WITH CHECK (true);
CREATE POLICY sessions_readonly_read ON sessions FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY handoffs_service_read ON handoffs FOR SELECT TO coordinator_service USING (true);
CREATE POLICY handoffs_service_insert ON handoffs FOR INSERT TO coordinator_service WITH CHECK (true);
CREATE POLICY handoffs_readonly_read ON handoffs FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY memories_service_read ON memories FOR SELECT TO coordinator_service USING (true);
CREATE POLICY memories_service_insert ON memories FOR INSERT TO coordinator_service WITH CHECK (true);
CREATE POLICY memories_readonly_read ON memories FOR SELECT TO coordinator_readonly USING (true);

-- Times as the API writes them everywhere: RFC 3339 in UTC with a Z.
CREATE FUNCTION api_time(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
GRANT EXECUTE ON FUNCTION api_time(timestamptz) TO coordinator_service, coordinator_readonly;
