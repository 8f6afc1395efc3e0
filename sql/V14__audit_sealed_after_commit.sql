-- The audit trail is sealed after commit, as transparency logs do, instead of chained inside every
-- audited statement. The chain trigger (V1, V5, V7) locked a chain head per transaction until
-- commit and hashed in the writer's statement: it halved the acquire statement's throughput. Now an
-- insert writes the row and two cheap defaults (its transaction id and time); a sealer, one at a
-- time across all nodes, appends committed rows to one hash chain of seals in (xid, id) order.
--
-- Why (xid, id) is a safe order: a row whose transaction id is below the oldest transaction still
-- running (the xmin of the sealer's snapshot) belongs to a finished transaction, so every such row
-- is already visible or never will be; any transaction that writes later gets a larger id. Sealing
-- only rows below that xmin, in (xid, id) order after the last seal, therefore seals every
-- committed row exactly once and never has to go back. A slow transaction holds back the rows
-- written after it began until it ends; it never loses them.

-- The old chains are checked one last time before their hashes are dropped: a trail that does not
-- verify now is not resealed as if it did.
DO $check$
DECLARE
  bad bigint;
BEGIN
  WITH linked AS (
    SELECT a.id, a.chain, a.chain_seq, a.prev_hash, a.hash, audit_digest(a.prev_hash, a) AS digest,
           lag(a.hash) OVER w AS previous_hash, lag(a.chain_seq) OVER w AS previous_seq
    FROM audit_log a WINDOW w AS (PARTITION BY a.chain ORDER BY a.chain_seq)
  ), tails AS (
    SELECT DISTINCT ON (chain) chain, chain_seq, hash, id FROM audit_log ORDER BY chain, chain_seq DESC
  )
  SELECT min(id) INTO bad FROM (
    SELECT l.id FROM linked l JOIN audit_chain_heads h ON h.chain = l.chain
    WHERE l.digest <> l.hash OR l.prev_hash <> coalesce(l.previous_hash, h.genesis)
       OR l.chain_seq <> coalesce(l.previous_seq, 0) + 1
    UNION ALL
    SELECT coalesce(t.id, 0) FROM audit_chain_heads h LEFT JOIN tails t ON t.chain = h.chain
    WHERE h.seq <> coalesce(t.chain_seq, 0) OR h.last_hash <> coalesce(t.hash, h.genesis)
  ) AS bad_rows;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'the audit trail does not verify at row %; it is not resealed', bad;
  END IF;
END
$check$;

DROP TRIGGER audit_chain_append ON audit_log;
DROP FUNCTION audit_chain_append();
DROP FUNCTION audit_digest(bytea, audit_log);
DROP TABLE audit_chain_heads;
ALTER TABLE audit_log DROP COLUMN chain, DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN hash;

-- Rows written before this migration count as written by a transaction long finished (xid 1, a
-- constant default: no rewrite, no update of an append-only row); later rows name their own.
ALTER TABLE audit_log ADD COLUMN xid xid8 NOT NULL DEFAULT '1';
ALTER TABLE audit_log ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
ALTER TABLE audit_log ALTER COLUMN at SET DEFAULT clock_timestamp();
CREATE INDEX audit_log_seal_order ON audit_log (xid, id);

-- The service names neither the transaction nor the time of its rows: it may insert the content
-- columns only, so it cannot slip a row behind the sealer's position or back-date it.
REVOKE INSERT ON audit_log FROM coordinator_service;
GRANT INSERT (agent, agent_type, session_id, request_id, action, resource, decision, reason, engine, outcome, params, result)
  ON audit_log TO coordinator_service;

-- One seal per audit row, in sealing order: seq runs 1, 2, 3, ...; hash covers the previous seal's
-- hash, its own position and the digest of the whole row. Append-only like the rows it seals.
CREATE TABLE audit_seals (
  seq        bigint PRIMARY KEY,
  audit_id   bigint NOT NULL UNIQUE,
  audit_xid  xid8 NOT NULL,
  sealed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  prev_hash  bytea NOT NULL,
  hash       bytea NOT NULL
);
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE OR DELETE ON audit_seals
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE FUNCTION audit_seal_genesis() RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(convert_to('coordinator-audit-seal-genesis', 'UTF8'))
$$;

-- Every column of the row; jsonb and epoch text are canonical.
CREATE FUNCTION audit_row_digest(a audit_log) RETURNS bytea
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(convert_to(jsonb_build_array(
    a.id, a.xid::text, extract(epoch FROM a.at)::text, a.agent, a.agent_type, a.session_id, a.request_id,
    a.action, a.resource, a.decision, a.reason, a.engine, a.outcome, a.params, a.result
  )::text, 'UTF8'))
$$;

CREATE FUNCTION audit_seal_hash(prev bytea, seq bigint, row_digest bytea) RETURNS bytea
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(prev || int8send(seq) || row_digest)
$$;

-- Seals at most max_rows rows and returns how many; 0 when another sealer holds the turn.
-- SECURITY DEFINER: the service may ask for sealing but cannot write a seal of its own making.
-- The xmin is read before the rows (each statement of a VOLATILE function takes a newer snapshot),
-- so every row below it is finished by the time the rows are read.
CREATE FUNCTION audit_seal(max_rows integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  horizon xid8;
  last audit_seals%ROWTYPE;
  next_seq bigint;
  prev bytea;
  link bytea;
  a audit_log%ROWTYPE;
  sealed integer := 0;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('coordinator-audit-seal')) THEN
    RETURN 0;
  END IF;
  horizon := pg_snapshot_xmin(pg_current_snapshot());
  SELECT * INTO last FROM audit_seals ORDER BY seq DESC LIMIT 1;
  next_seq := coalesce(last.seq, 0);
  prev := coalesce(last.hash, audit_seal_genesis());
  FOR a IN
    SELECT * FROM audit_log
    WHERE xid < horizon AND (last.seq IS NULL OR (xid, id) > (last.audit_xid, last.audit_id))
    ORDER BY xid, id LIMIT max_rows
  LOOP
    next_seq := next_seq + 1;
    link := audit_seal_hash(prev, next_seq, audit_row_digest(a));
    INSERT INTO audit_seals (seq, audit_id, audit_xid, prev_hash, hash) VALUES (next_seq, a.id, a.xid, prev, link);
    prev := link;
    sealed := sealed + 1;
  END LOOP;
  RETURN sealed;
END
$$;

REVOKE ALL ON audit_seals FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_seal_genesis(), audit_row_digest(audit_log), audit_seal_hash(bytea, bigint, bytea),
  audit_seal(integer) FROM PUBLIC;
GRANT SELECT ON audit_seals TO coordinator_service, coordinator_readonly;
GRANT EXECUTE ON FUNCTION audit_seal_genesis(), audit_row_digest(audit_log), audit_seal_hash(bytea, bigint, bytea)
  TO coordinator_service, coordinator_readonly;
GRANT EXECUTE ON FUNCTION audit_seal(integer) TO coordinator_service;

ALTER TABLE audit_seals ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_seals_service_read ON audit_seals FOR SELECT TO coordinator_service USING (true);
CREATE POLICY audit_seals_readonly_read ON audit_seals FOR SELECT TO coordinator_readonly USING (true);
