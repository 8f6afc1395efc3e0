-- HARD-1, ENF-3: guardrails run on RE2/J, a linear-time matcher (a backtracking matcher took a
-- minute on 9 KB of "git push " and held the policy gate meanwhile). RE2 has no lookaround and no
-- backreferences, so the seeded patterns that used them are rewritten to catch the same text:
--   git-force-push, git-force-clean: the lookahead for the flag becomes a lazy scan up to it;
--   rm-recursive-force: the two lookaheads (-r and -f in any order) become the three orders
--     (one combined flag, -r before -f, -f before -r);
--   sql-update-without-where: "no WHERE before the end" is spelled out as words that are not
--     "where" (the regular complement); WHERE 1=1 is now any number = number;
--   sql-delete-without-where: 'a' = 'a' becomes any string literal = string literal and 1=1 any
--     number = number (a comparison of two constants is never a real WHERE); x = x with a column
--     name cannot be written without a backreference and is no longer caught;
--   credential-files: the trailing lookahead consumes its delimiter instead.
-- The service refuses a pattern RE2/J cannot compile (the set with it is not loaded); the check
-- below refuses the syntax it lacks at the door, with the constraint's name as the reason.
UPDATE guardrails SET pattern = '\bgit\b[^\n;|&]*\bpush\b[^\n;|&]*?(?:\s--force(?:-with-lease)?\b|\s-[a-z]*f[a-z]*\b|\s\+\S+)[^\n;|&]*'
WHERE id = 'git-force-push';
UPDATE guardrails SET pattern = '\bgit\b[^\n;|&]*\bclean\b[^\n;|&]*?\s(?:-[a-z]*f|--force\b)[^\n;|&]*'
WHERE id = 'git-force-clean';
UPDATE guardrails SET pattern = '\brm\b[^\n;|&]*?(?:\s-[a-z]*(?:r[a-z]*f|f[a-z]*r)|\s(?:-[a-z]*r|--recursive\b)[^\n;|&]*\s(?:-[a-z]*f|--force\b)|\s(?:-[a-z]*f|--force\b)[^\n;|&]*\s(?:-[a-z]*r|--recursive\b))[^\n;|&]*'
WHERE id = 'rm-recursive-force';
UPDATE guardrails SET pattern = '\bdelete\s+from\s+[\w."]+(?:\s+(?:as\s+)?\w+)?\s*(?:;|$|\)|where\s+(?:\d+\s*=\s*\d+|true|''\w*''\s*=\s*''\w*'')\s*(?:;|$|\)))'
WHERE id = 'sql-delete-without-where';
UPDATE guardrails SET pattern = '\bupdate\s+[\w.\"]+\s+set\s+[^\w;]*(?:(?:[a-vx-z0-9_]\w*|w(?:[a-gi-z0-9_]\w*|h(?:[a-df-z0-9_]\w*|e(?:[a-qs-z0-9_]\w*|r(?:[a-df-z0-9_]\w*|e\w+)?)?)?)?)[^\w;]+)*?(?:[a-vx-z0-9_]\w*|w(?:[a-gi-z0-9_]\w*|h(?:[a-df-z0-9_]\w*|e(?:[a-qs-z0-9_]\w*|r(?:[a-df-z0-9_]\w*|e\w+)?)?)?)?)?(?:;|$|\bwhere\s+(?:\d+\s*=\s*\d+|true)\s*(?:;|$))'
WHERE id = 'sql-update-without-where';
UPDATE guardrails SET pattern = '(?:^|[\s/''"=:(])(?:\.env(?:\.[\w-]+)?|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?|[\w.-]+\.(?:pem|key|p12|pfx|jks)|\.npmrc|\.pypirc|\.netrc|\.git-credentials|\.aws/credentials|\.ssh/[\w.-]+|credentials\.json|secrets?\.ya?ml)(?:$|[\s''"),;])'
WHERE id = 'credential-files';

ALTER TABLE guardrails ADD CONSTRAINT guardrails_pattern_is_re2
  CHECK (pattern !~ '\(\?(=|!|<=|<!|>)' AND pattern !~ '\\[1-9]' AND pattern !~ '[*+?}][+]' AND length(pattern) <= 4096);

COMMENT ON COLUMN guardrails.pattern IS
  'RE2 syntax (RE2/J), matched case-insensitively, ^ and $ per line: no lookaround, backreferences, atomic groups or possessive quantifiers';
