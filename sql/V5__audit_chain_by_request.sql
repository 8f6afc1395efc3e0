-- Audit rows are spread over the 64 chains by request, no longer by resource. Every row one
-- statement writes then goes to one chain, so a transaction locks one chain head at most: two
-- transactions that each audit several resources (a session reaped, a cascade of cancellations)
-- can no longer lock two heads in opposite orders and deadlock. Rows without a request id (the
-- operator's) still chain by resource.
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head audit_chain_heads%ROWTYPE;
BEGIN
  NEW.chain := hashtext(coalesce(NEW.request_id, NEW.resource, NEW.agent)) & 63;
  SELECT * INTO head FROM audit_chain_heads WHERE chain = NEW.chain FOR UPDATE;
  NEW.chain_seq := head.seq + 1;
  NEW.at := clock_timestamp();
  NEW.prev_hash := head.last_hash;
  NEW.hash := audit_digest(head.last_hash, NEW);
  UPDATE audit_chain_heads SET seq = NEW.chain_seq, last_hash = NEW.hash WHERE chain = NEW.chain;
  RETURN NEW;
END
$$;
