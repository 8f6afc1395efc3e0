-- Dashboards in a cluster (issue 17). A dashboard's event stream hears its own node's changes at
-- once; changes made on other nodes reach it through the database, like wake-ups (V11), but not
-- from the triggers: counting a viewer as "someone waiting" would make every mutation anywhere
-- NOTIFY while any dashboard is open (NOTIFY serializes the server's notifying commits on one
-- lock) and would need triggers on the acquire's insert and on every audit row, the uncontended
-- path. Instead the sealer, which already visits every committed audit row once (V14), says so
-- after a pass that sealed a row other than a read: one NOTIFY per pass at most, none on the
-- mutation path. A dashboard hears another node's change within a sweep interval (docs/cluster.md).
--
-- quiet_actions: the actions whose rows say nothing (the service passes its reads, so that a
-- dashboard's own audited reads cannot set it off again); empty: every sealed row is news.
DROP FUNCTION audit_seal(integer);
CREATE FUNCTION audit_seal(max_rows integer, quiet_actions text[] DEFAULT '{}') RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  horizon xid8;
  last audit_seals%ROWTYPE;
  next_seq bigint;
  prev bytea;
  link bytea;
  a audit_log%ROWTYPE;
  sealed integer := 0;
  news boolean := false;
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
    news := news OR NOT (a.action = ANY (quiet_actions));
  END LOOP;
  IF news THEN
    PERFORM pg_notify('coordinator_waits', 'audit:' || next_seq);
  END IF;
  RETURN sealed;
END
$$;

REVOKE ALL ON FUNCTION audit_seal(integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal(integer, text[]) TO coordinator_service;
