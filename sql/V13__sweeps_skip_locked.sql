-- Every node sweeps the waits of nodes that left or fell silent, all at once. Each sweep takes the
-- rows it deletes FOR UPDATE SKIP LOCKED, so that sweepers never wait on each other (nor on a
-- waiter being granted); a locking clause needs UPDATE on one column, and node_id is the one the
-- sweep reads. The service still cannot change who waits for what, or in which order.
GRANT UPDATE (node_id) ON lock_waits, claim_waits TO coordinator_service;
