-- MCP connections in the database (issue 13), so that any node serves any Streamable HTTP session
-- and an agent's cap on connections (HARD-3) holds across the cluster. A row is one connection:
-- a Streamable HTTP session (its id, handed to the client, is stored only as its SHA-256) or a
-- WebSocket (which stays on its node: the row only takes its place under the cap, and is touched
-- while the socket lives, so the place comes back within the idle time when the node dies).
-- A connection not used for the idle time (the session timeout) with nothing under way no longer
-- counts and is deleted by the sweep of any node.
CREATE TABLE mcp_sessions (
  id_hash              bytea PRIMARY KEY CHECK (length(id_hash) = 32),
  agent                text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  kind                 text NOT NULL CHECK (kind IN ('http', 'websocket')),
  -- The protocol version agreed on; null for a WebSocket (its socket keeps it).
  protocol_version     text,
  -- The coordinator session its locks and claims belong to; null below write trust.
  coordinator_session  uuid REFERENCES sessions (id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  last_used_at         timestamptz NOT NULL DEFAULT now(),
  -- A request that may wait (wait_ms) keeps the connection in use until its wait can end.
  busy_until           timestamptz,
  -- When the coordinator session was last heartbeated through this connection.
  heartbeat_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mcp_sessions_agent ON mcp_sessions (agent);
CREATE INDEX mcp_sessions_last_used ON mcp_sessions (last_used_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON mcp_sessions TO coordinator_service;
ALTER TABLE mcp_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY mcp_sessions_service_all ON mcp_sessions FOR ALL TO coordinator_service USING (true) WITH CHECK (true);

-- Policy reloads across nodes: a reload is announced (NOTIFY coordinator_policies) in its audited
-- transaction, and each node re-reads its own policy folder. A node that missed the announcement
-- (its listening connection was being replaced) catches up by comparing the latest accepted
-- reload in the audit trail with the last one it applied: this index keeps that lookup tiny.
CREATE INDEX audit_log_policy_reloads ON audit_log (id) WHERE action = 'reload_policies' AND outcome = 'ok';
