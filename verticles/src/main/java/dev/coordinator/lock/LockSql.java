package dev.coordinator.lock;

import dev.coordinator.audit.AuditSql;

/**
 * The lock statements. Each mutation is one data-modifying statement that changes the lock row
 * and writes its audit row, so both commit or neither does, in one round trip. Parameters $1..$8
 * are the audit context ({@link AuditSql}); a statement's own parameters follow from $9.
 *
 * <p>A row whose {@code expires_at} has passed is free: acquire overwrites it, and no other
 * statement treats it as held.
 */
final class LockSql {
  static final String LOCK_COLUMNS = "key, holder, agent_type, session_id, fencing_token, reason, acquired_at, expires_at";

  private static final String ONE_ROW = "(SELECT 1) AS one";

  /**
   * The advisory-lock key space of lock keys (the first of the two-int key); the second is the
   * key's hash. Collisions only serialize two keys' acquires.
   */
  static final int KEY_SPACE = 0x4c4f434b;

  /**
   * In an acquire's DO UPDATE: the row is free for this caller (its lease has run out and the
   * caller is first in the key's line, see {@link #ACQUIRE}), or the caller (agent and session)
   * holds it. The time is the statement's clock once its waits are over
   * ({@code excluded.acquired_at}), not the transaction's start: a lease that ran out while this
   * acquire waited is free.
   */
  private static final String FREE = "(l.expires_at <= excluded.acquired_at AND (SELECT first FROM line))";
  private static final String GRANTED = "(" + FREE + " OR (l.expires_at > excluded.acquired_at AND l.holder = excluded.holder"
      + " AND l.session_id IS NOT DISTINCT FROM excluded.session_id))";

  /**
   * $9 key, $10 ttl seconds, $11 reason, $12 whether this is the acquire's last attempt (a failed
   * attempt is audited only then; a waiter's intermediate attempts are not), $13 the caller's place
   * in the key's line of waiters ({@code lock_waits.seq}) or null, $14 this node's id when the
   * acquire waits and is not in line yet (it enters the line if refused) or null, $15 how long it
   * waits (ms). A lock belongs to the (agent, session) that took it: that pair refreshing a live
   * lock keeps its token and acquisition time; anyone else, the same agent in another session or
   * without one included, gets LOCK_HELD.
   *
   * <p>Order matters and each step gates the next: the caller's session is locked FOR SHARE and
   * must be active (an end or reap, which locks it FOR UPDATE, waits for this grant to commit, and
   * a grant waits for an end under way, then sees the session ended); then a transaction lock on
   * the key serializes everyone granting it or entering its line; then the key's row is locked
   * (waiting out a release in flight); only then are the clock read, the line read (with a fresh
   * snapshot: {@code lock_line}) and the token drawn. So a token is drawn after every earlier grant
   * of the key committed (LOCK-2), leases are judged by the time the grant is decided, and a free
   * lock goes only to the earliest live waiter in line, or to an acquire that does not wait when
   * nobody does (LOCK-5, across nodes). A loser's row is "updated" to itself, so RETURNING names
   * the current holder even when this statement's snapshot predates it. A waiter refused enters the
   * line; a waiter granted, or refused on its last attempt, leaves it in the same transaction.
   */
  static final String ACQUIRE = """
      WITH live AS (
        SELECT id FROM sessions WHERE id = ($3::text)::uuid AND status = 'active' FOR SHARE
      ), gate AS (
        SELECT true AS open FROM (SELECT pg_advisory_xact_lock(%5$d, hashtext($9::text))) AS serialized
        WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM live)
      ), present AS (
        SELECT key FROM locks WHERE key = $9::text AND EXISTS (SELECT 1 FROM gate) FOR UPDATE
      ), clock AS (
        SELECT clock_timestamp() AS at FROM gate WHERE (SELECT count(*) FROM present) >= 0
      ), line AS (
        SELECT c.at, q.ahead, q.next_deadline, q.in_line, q.ahead = 0 AND ($13::bigint IS NULL OR q.in_line) AS first
        FROM clock c, lock_line($9::text, $13::bigint, c.at) q
      ), taken AS (
        INSERT INTO locks AS l (key, holder, agent_type, session_id, fencing_token, reason, ttl_seconds, acquired_at, expires_at)
        SELECT $9::text, $1, $2, $3::text, nextval('lock_fencing_token_seq'), $11::text, $10::integer, q.at,
               q.at + make_interval(secs => $10::integer)
        FROM line q WHERE q.first OR EXISTS (SELECT 1 FROM present)
        ON CONFLICT (key) DO UPDATE SET
          fencing_token = CASE WHEN %7$s THEN excluded.fencing_token ELSE l.fencing_token END,
          acquired_at = CASE WHEN %7$s THEN excluded.acquired_at ELSE l.acquired_at END,
          reason = CASE WHEN %7$s THEN excluded.reason
                        WHEN %6$s THEN coalesce(excluded.reason, l.reason) ELSE l.reason END,
          holder = CASE WHEN %6$s THEN excluded.holder ELSE l.holder END,
          agent_type = CASE WHEN %6$s THEN excluded.agent_type ELSE l.agent_type END,
          session_id = CASE WHEN %6$s THEN excluded.session_id ELSE l.session_id END,
          ttl_seconds = CASE WHEN %6$s THEN excluded.ttl_seconds ELSE l.ttl_seconds END,
          expires_at = CASE WHEN %6$s THEN excluded.expires_at ELSE l.expires_at END
        RETURNING %1$s
      ), outcome AS (
        SELECT t.*, coalesce(t.holder = $1 AND t.session_id IS NOT DISTINCT FROM $3::text AND t.expires_at > q.at, false) AS granted,
          t.acquired_at = q.at AS fresh, ($3::text IS NULL OR EXISTS (SELECT 1 FROM live)) AS session_live,
          CASE WHEN t.expires_at > q.at THEN t.holder END AS held_by,
          CASE WHEN t.expires_at > q.at THEN t.session_id END AS held_session,
          CASE WHEN t.expires_at > q.at THEN t.expires_at END AS held_until,
          coalesce(q.ahead, 0) AS ahead, coalesce(q.in_line, false) AS in_line,
          least(CASE WHEN t.expires_at > q.at THEN ceil(extract(epoch FROM t.expires_at - q.at) * 1000) END,
                CASE WHEN q.ahead > 0 THEN ceil(extract(epoch FROM q.next_deadline - q.at) * 1000) END)::bigint AS retry_ms
        FROM %2$s LEFT JOIN taken t ON true LEFT JOIN line q ON true
      ), entered AS (
        INSERT INTO lock_waits (key, agent, session_id, node_id, request_id, deadline)
        SELECT $9::text, $1, $3::text, $14::text, $4, q.at + make_interval(secs => $15::integer / 1000.0)
        FROM outcome o, line q
        WHERE $14::text IS NOT NULL AND $13::bigint IS NULL AND NOT $12::boolean AND NOT o.granted AND o.session_live
        RETURNING seq
      ), left_line AS (
        DELETE FROM lock_waits WHERE seq = $13::bigint
          AND EXISTS (SELECT 1 FROM outcome o WHERE o.granted OR NOT o.session_live OR $12::boolean)
      ), audited AS (
        INSERT INTO audit_log (%3$s)
        SELECT %4$s, 'acquire_lock', $9::text, CASE WHEN o.granted THEN 'ok' ELSE 'error' END,
          CASE WHEN NOT o.session_live THEN jsonb_build_object('error', 'VALIDATION_FAILED', 'field', 'Coordinator-Session')
               WHEN NOT o.granted THEN jsonb_build_object('error', 'LOCK_HELD', 'holder', o.held_by, 'session_id', o.held_session)
                 || CASE WHEN o.ahead > 0 THEN jsonb_build_object('waiters_ahead', o.ahead) ELSE '{}'::jsonb END
               ELSE jsonb_build_object('fencing_token', o.fencing_token, 'expires_at', o.expires_at,
                                       'action', CASE WHEN o.fresh THEN 'acquired' ELSE 'refreshed' END) END
        FROM outcome o WHERE o.granted OR NOT o.session_live OR $12::boolean
      )
      SELECT o.*, coalesce((SELECT seq FROM entered), $13::bigint) AS seq FROM outcome o"""
      .formatted(LOCK_COLUMNS, ONE_ROW, AuditSql.COLUMNS, AuditSql.CONTEXT, KEY_SPACE, GRANTED, FREE);

  /**
   * $9 key, $10 the waiter's place in line: the audited refusal of a waiter whose time ran out
   * behind others, which leaves the line. It takes nothing; the holder named is the live one, if any.
   */
  static final String REFUSE_QUEUED = """
      WITH outcome AS (
        SELECT l.holder AS held_by, l.session_id AS held_session, l.expires_at AS held_until, q.ahead
        FROM lock_line($9::text, $10::bigint, now()) q
        LEFT JOIN locks l ON l.key = $9::text AND l.expires_at > now()
      ), left_line AS (
        DELETE FROM lock_waits WHERE seq = $10::bigint
      ), audited AS (
        INSERT INTO audit_log (%1$s)
        SELECT %2$s, 'acquire_lock', $9::text, 'error',
          jsonb_build_object('error', 'LOCK_HELD', 'holder', o.held_by, 'session_id', o.held_session, 'waiters_ahead', o.ahead)
        FROM outcome o
      )
      SELECT * FROM outcome""".formatted(AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $1 a waiter's place in line: it leaves the line without an answer of its own to record (its wait was cancelled). */
  static final String LEAVE = "DELETE FROM lock_waits WHERE seq = $1";

  /**
   * $1 agent, $2 request id: takes that agent's waiting acquire out of line, on whichever node it
   * waits, and tells that node (after commit) so it answers it.
   */
  static final String CANCEL_WAIT = """
      WITH gone AS (
        DELETE FROM lock_waits WHERE agent = $1 AND request_id = $2 RETURNING seq, node_id
      )
      SELECT seq, node_id, pg_notify('coordinator_waits', 'left:' || seq) FROM gone""";

  /**
   * $9 key, $10 fencing token or null. Only the holder of a live lock, in the session that took
   * it, releases it. When nothing was deleted, {@code error} says why from the row as it was:
   * someone else's (or no) lock, or the caller's lock under a newer token.
   */
  static final String RELEASE = """
      WITH prior AS (
        SELECT holder = $1 AND session_id IS NOT DISTINCT FROM $3::text AS mine, fencing_token, expires_at > now() AS live
        FROM locks WHERE key = $9::text
      ), gone AS (
        DELETE FROM locks WHERE key = $9::text AND holder = $1 AND session_id IS NOT DISTINCT FROM $3::text AND expires_at > now()
          AND ($10::bigint IS NULL OR fencing_token = $10::bigint)
        RETURNING fencing_token
      ), verdict AS (
        SELECT g.fencing_token AS released_token, p.fencing_token AS current_token,
          CASE WHEN g.fencing_token IS NOT NULL THEN NULL
               WHEN p.mine AND p.live AND $10::bigint IS NOT NULL AND p.fencing_token <> $10::bigint
                 THEN 'STALE_FENCING_TOKEN'
               ELSE 'NOT_LOCK_HOLDER' END AS error
        FROM %1$s LEFT JOIN gone g ON true LEFT JOIN prior p ON true
      ), audited AS (
        INSERT INTO audit_log (%2$s)
        SELECT %3$s, 'release_lock', $9::text, CASE WHEN v.error IS NULL THEN 'ok' ELSE 'error' END,
          CASE WHEN v.error IS NULL THEN jsonb_build_object('fencing_token', v.released_token)
               ELSE jsonb_build_object('error', v.error) END
        FROM verdict v
      )
      SELECT * FROM verdict""".formatted(ONE_ROW, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $9 key, $10 fencing token, $11 new ttl seconds or null (keep the lock's own); holder and session as for release. */
  static final String RENEW = """
      WITH prior AS (
        SELECT holder = $1 AND session_id IS NOT DISTINCT FROM $3::text AS mine, fencing_token, expires_at > now() AS live
        FROM locks WHERE key = $9::text
      ), renewed AS (
        UPDATE locks SET ttl_seconds = coalesce($11::integer, ttl_seconds),
          expires_at = now() + make_interval(secs => coalesce($11::integer, ttl_seconds))
        WHERE key = $9::text AND holder = $1 AND session_id IS NOT DISTINCT FROM $3::text AND expires_at > now()
          AND fencing_token = $10::bigint
        RETURNING %1$s
      ), verdict AS (
        SELECT r.*, CASE WHEN r.key IS NOT NULL THEN NULL
               WHEN p.mine AND p.live AND p.fencing_token <> $10::bigint THEN 'STALE_FENCING_TOKEN'
               ELSE 'NOT_LOCK_HOLDER' END AS error
        FROM %2$s LEFT JOIN renewed r ON true LEFT JOIN prior p ON true
      ), audited AS (
        INSERT INTO audit_log (%3$s)
        SELECT %4$s, 'renew_lock', $9::text, CASE WHEN v.error IS NULL THEN 'ok' ELSE 'error' END,
          CASE WHEN v.error IS NULL THEN jsonb_build_object('fencing_token', v.fencing_token, 'expires_at', v.expires_at)
               ELSE jsonb_build_object('error', v.error) END
        FROM verdict v
      )
      SELECT * FROM verdict""".formatted(LOCK_COLUMNS, ONE_ROW, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $1 keys (an empty array lists every live lock). */
  static final String CHECK = "SELECT " + LOCK_COLUMNS + " FROM locks WHERE expires_at > now()"
      + " AND (cardinality($1::text[]) = 0 OR key = ANY($1::text[])) ORDER BY key";

  /** $1 key: the current token of a live lock. */
  static final String CURRENT_TOKEN = "SELECT fencing_token FROM locks WHERE key = $1 AND expires_at > now()";

  private LockSql() {
  }
}
