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
   * $9 key, $10 ttl seconds, $11 reason, $12 whether a failed attempt is audited (a waiter's
   * intermediate attempts are not; its last one is). The holder refreshing a live lock keeps
   * its fencing token and acquisition time; anyone else gets a new token from the sequence.
   */
  static final String ACQUIRE = """
      WITH prior AS (
        SELECT holder, expires_at FROM locks WHERE key = $9::text
      ), taken AS (
        INSERT INTO locks AS l (key, holder, agent_type, session_id, fencing_token, reason, ttl_seconds, acquired_at, expires_at)
        VALUES ($9::text, $1, $2, $3, nextval('lock_fencing_token_seq'), $11::text, $10::integer, now(),
                now() + make_interval(secs => $10::integer))
        ON CONFLICT (key) DO UPDATE SET
          fencing_token = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                               THEN l.fencing_token ELSE excluded.fencing_token END,
          acquired_at = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                             THEN l.acquired_at ELSE excluded.acquired_at END,
          reason = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                        THEN coalesce(excluded.reason, l.reason) ELSE excluded.reason END,
          holder = excluded.holder, agent_type = excluded.agent_type, session_id = excluded.session_id, ttl_seconds = excluded.ttl_seconds, expires_at = excluded.expires_at
        WHERE l.expires_at <= now() OR l.holder = excluded.holder
        RETURNING %1$s
      ), outcome AS (
        SELECT t.*, t.acquired_at = now() AS fresh, p.holder AS prior_holder, p.expires_at AS prior_expires_at,
          ceil(extract(epoch FROM p.expires_at - now()) * 1000)::bigint AS held_ms
        FROM %2$s LEFT JOIN taken t ON true LEFT JOIN prior p ON true
      ), audited AS (
        INSERT INTO audit_log (%3$s)
        SELECT %4$s, 'acquire_lock', $9::text, CASE WHEN o.key IS NULL THEN 'error' ELSE 'ok' END,
          CASE WHEN o.key IS NULL
               THEN jsonb_build_object('error', 'LOCK_HELD', 'holder', o.prior_holder)
               ELSE jsonb_build_object('fencing_token', o.fencing_token, 'expires_at', o.expires_at,
                                       'action', CASE WHEN o.fresh THEN 'acquired' ELSE 'refreshed' END) END
        FROM outcome o WHERE o.key IS NOT NULL OR $12::boolean
      )
      SELECT * FROM outcome""".formatted(LOCK_COLUMNS, ONE_ROW, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /**
   * $9 key, $10 fencing token or null. Only the holder of a live lock releases it. When nothing
   * was deleted, {@code error} says why from the row as it was: someone else's (or no) lock, or
   * the caller's lock under a newer token.
   */
  static final String RELEASE = """
      WITH prior AS (
        SELECT holder, fencing_token, expires_at > now() AS live FROM locks WHERE key = $9::text
      ), gone AS (
        DELETE FROM locks WHERE key = $9::text AND holder = $1 AND expires_at > now()
          AND ($10::bigint IS NULL OR fencing_token = $10::bigint)
        RETURNING fencing_token
      ), verdict AS (
        SELECT g.fencing_token AS released_token, p.holder, p.fencing_token AS current_token,
          CASE WHEN g.fencing_token IS NOT NULL THEN NULL
               WHEN p.holder = $1 AND p.live AND $10::bigint IS NOT NULL AND p.fencing_token <> $10::bigint
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

  /** $9 key, $10 fencing token, $11 new ttl seconds or null (keep the lock's own). */
  static final String RENEW = """
      WITH prior AS (
        SELECT holder, fencing_token, expires_at > now() AS live FROM locks WHERE key = $9::text
      ), renewed AS (
        UPDATE locks SET ttl_seconds = coalesce($11::integer, ttl_seconds),
          expires_at = now() + make_interval(secs => coalesce($11::integer, ttl_seconds))
        WHERE key = $9::text AND holder = $1 AND expires_at > now() AND fencing_token = $10::bigint
        RETURNING %1$s
      ), verdict AS (
        SELECT r.*, CASE WHEN r.key IS NOT NULL THEN NULL
               WHEN p.holder = $1 AND p.live AND p.fencing_token <> $10::bigint THEN 'STALE_FENCING_TOKEN'
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
