-- Audit rows are spread over the 64 chains by transaction, no longer by request id. The request
-- id may be the client's own X-Request-Id, so a client could pick a chain and pile every request
-- it sends (and everyone who shares that chain) onto one chain head. The transaction id is the
-- server's: a client cannot choose it, and every row of one transaction still goes to one chain,
-- so a transaction locks one chain head at most and two can never deadlock on them (see V5).
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head audit_chain_heads%ROWTYPE;
BEGIN
  NEW.chain := hashtext(pg_current_xact_id()::text) & 63;
  SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
  NEW.chain_seq := head.seq + 1;
  NEW.at := clock_timestamp();
  NEW.prev_hash := head.last_hash;
  NEW.hash := audit_digest(head.last_hash, NEW);
  UPDATE audit_chain_heads SET seq = NEW.chain_seq, last_hash = NEW.hash WHERE chain = NEW.chain;
  RETURN NEW;
END
$$;
