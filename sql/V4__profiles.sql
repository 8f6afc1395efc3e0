-- Profiles: action lists per agent and per agent type. An agent's allow list (when set) replaces
-- its type's; blocked lists add up. NULL allowed_actions means "no allow list".
CREATE TABLE agent_types (
  agent_type       text PRIMARY KEY CHECK (agent_type ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  allowed_actions  text[],
  blocked_actions  text[] NOT NULL DEFAULT '{}',
  updated_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE agents ADD COLUMN allowed_actions text[];
ALTER TABLE agents ADD COLUMN blocked_actions text[] NOT NULL DEFAULT '{}';

-- A changed type changes the profiles of all its agents: every node drops its cache.
CREATE TRIGGER agent_types_changed AFTER INSERT OR UPDATE OR DELETE ON agent_types
  FOR EACH ROW EXECUTE FUNCTION agents_changed();
CREATE OR REPLACE FUNCTION agents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('coordinator_agents', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

GRANT SELECT ON agent_types TO coordinator_service, coordinator_readonly;
GRANT SELECT (allowed_actions, blocked_actions) ON agents TO coordinator_readonly;
ALTER TABLE agent_types ENABLE ROW LEVEL SECURITY;
CREATE POLICY agent_types_service_read ON agent_types FOR SELECT TO coordinator_service USING (true);
CREATE POLICY agent_types_readonly_read ON agent_types FOR SELECT TO coordinator_readonly USING (true);
