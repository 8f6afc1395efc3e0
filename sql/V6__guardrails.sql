-- Guardrails: patterns of destructive or secret-touching text, checked by the policy verticle on
-- submit (description and input), complete (result and error) and explicit checks, over the
-- whole text. A "block" match denies unless the caller's trust reaches bypass_trust (NULL: never);
-- a "warn" match is recorded only. Patterns are Java regular expressions, matched
-- case-insensitively; each is written to catch the common spellings of its operation.
CREATE TABLE guardrails (
  id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,64}$'),
  category      text NOT NULL,
  pattern       text NOT NULL,
  severity      text NOT NULL CHECK (severity IN ('block', 'warn')),
  bypass_trust  smallint CHECK (bypass_trust BETWEEN 1 AND 4),
  description   text NOT NULL
);

-- Every match, blocked, warned or bypassed, with the trust of the caller it was checked for.
CREATE TABLE guardrail_violations (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  agent         text NOT NULL,
  trust         smallint NOT NULL,
  request_id    text,
  action        text NOT NULL,
  resource      text,
  guardrail     text NOT NULL,
  category      text NOT NULL,
  severity      text NOT NULL,
  matched_text  text NOT NULL,
  blocked       boolean NOT NULL,
  bypassed      boolean NOT NULL
);
CREATE INDEX guardrail_violations_agent ON guardrail_violations (agent, id DESC);

-- Tasks remember the trust their text needs: a claimant below it does not get the task, which
-- stays pending for one that has it.
ALTER TABLE tasks ADD COLUMN claim_trust smallint NOT NULL DEFAULT 0 CHECK (claim_trust BETWEEN 0 AND 5);

INSERT INTO guardrails (id, category, pattern, severity, bypass_trust, description) VALUES
('git-force-push', 'git',
 '\bgit\b[^\n;|&]*\bpush\b(?=[^\n;|&]*(?:\s--force(?:-with-lease)?\b|\s-[a-z]*f[a-z]*\b|\s\+\S+))[^\n;|&]*',
 'block', 4, 'force push (--force, -f, +refspec) rewrites shared history'),
('git-hard-reset', 'git', '\bgit\b[^\n;|&]*\breset\b[^\n;|&]*\s--hard\b', 'block', 3,
 'hard reset throws away uncommitted work'),
('git-force-clean', 'git', '\bgit\b[^\n;|&]*\bclean\b(?=[^\n;|&]*\s(?:-[a-z]*f|--force\b))[^\n;|&]*', 'block', 3,
 'forced clean deletes untracked files'),
('git-branch-delete', 'git',
 '\bgit\b[^\n;|&]*(?:\bbranch\b[^\n;|&]*\s(?:-[a-z]*d\b|--delete\b)|\bpush\b[^\n;|&]*\s(?:--delete\b|:[\w./-]+))', 'block', 3,
 'deleting a branch, locally or on the remote'),
('rm-recursive-force', 'filesystem',
 '\brm\b(?=[^\n;|&]*\s(?:-[a-z]*r|--recursive\b))(?=[^\n;|&]*\s(?:-[a-z]*f|--force\b))[^\n;|&]*', 'block', 4,
 'recursive forced delete (rm -rf, -fr, -r -f, --recursive --force)'),
('find-delete', 'filesystem', '\bfind\b[^\n;|&]*\s(?:-delete\b|-exec\s+rm\b)', 'block', 3,
 'find that deletes what it finds'),
('sql-drop-truncate', 'database',
 '\b(?:drop\s+(?:table|database|schema|view|index|materialized\s+view)\b|truncate\s+(?:table\s+)?[\w."]+)', 'block', 4,
 'DROP or TRUNCATE destroys data'),
('sql-delete-without-where', 'database',
 '\bdelete\s+from\s+[\w."]+(?:\s+(?:as\s+)?\w+)?\s*(?:;|$|\)|where\s+(?:1\s*=\s*1|true|''(\w*)''\s*=\s*''\1''|(\w+)\s*=\s*\2)\s*(?:;|$|\)))',
 'block', 4, 'DELETE without a real WHERE empties the table'),
('sql-update-without-where', 'database',
 '\bupdate\s+[\w."]+\s+set\s+(?:(?!\bwhere\b)[^;])*?(?:;|$|\bwhere\s+(?:1\s*=\s*1|true)\s*(?:;|$))', 'block', 4,
 'UPDATE without a real WHERE changes every row'),
('credential-files', 'secrets',
 '(?:^|[\s/''"=:(])(?:\.env(?:\.[\w-]+)?|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?|[\w.-]+\.(?:pem|key|p12|pfx|jks)|\.npmrc|\.pypirc|\.netrc|\.git-credentials|\.aws/credentials|\.ssh/[\w.-]+|credentials\.json|secrets?\.ya?ml)(?=$|[\s''"),;])',
 'block', 4, 'credential and key files'),
('deploy-publish', 'deploy',
 '\b(?:npm\s+publish|yarn\s+publish|pnpm\s+publish|cargo\s+publish|twine\s+upload|gem\s+push|mvn\b[^\n;|&]*\bdeploy\b|gradle\w*\b[^\n;|&]*\bpublish\w*|kubectl\s+(?:apply|delete|rollout|scale)|terraform\s+(?:apply|destroy)|helm\s+(?:install|upgrade|uninstall|delete)|docker\s+push|gh\s+release\s+create|fly\s+deploy|vercel\b[^\n;|&]*--prod)\b',
 'block', 3, 'deploying or publishing');

GRANT SELECT ON guardrails TO coordinator_service, coordinator_readonly;
GRANT SELECT, INSERT ON guardrail_violations TO coordinator_service;
GRANT SELECT ON guardrail_violations TO coordinator_readonly;
ALTER TABLE guardrails ENABLE ROW LEVEL SECURITY;
ALTER TABLE guardrail_violations ENABLE ROW LEVEL SECURITY;
CREATE POLICY guardrails_service_read ON guardrails FOR SELECT TO coordinator_service USING (true);
CREATE POLICY guardrails_readonly_read ON guardrails FOR SELECT TO coordinator_readonly USING (true);
CREATE POLICY violations_service_read ON guardrail_violations FOR SELECT TO coordinator_service USING (true);
CREATE POLICY violations_service_insert ON guardrail_violations FOR INSERT TO coordinator_service WITH CHECK (true);
CREATE POLICY violations_readonly_read ON guardrail_violations FOR SELECT TO coordinator_readonly USING (true);

-- A changed pattern reaches every node's cache like a changed profile.
CREATE TRIGGER guardrails_changed AFTER INSERT OR UPDATE OR DELETE ON guardrails
  FOR EACH ROW EXECUTE FUNCTION agents_changed();
