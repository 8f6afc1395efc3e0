package dev.coordinator.session;

import dev.coordinator.audit.AuditSql;
import dev.coordinator.task.TaskSql;

/**
 * The session statements; $1..$8 the audit context ({@link AuditSql}), own parameters from $9.
 * Ending and reaping share two statements in one transaction: close the sessions, then free
 * what they held (see {@link #FREE}).
 */
final class SessionSql {
  /** A session as the API shows it, from a row aliased {@code s}. */
  static final String SESSION_JSON = """
      jsonb_build_object('id', s.id, 'agent', s.agent, 'agent_type', s.agent_type, 'capabilities', to_jsonb(s.capabilities),
        'current_task', s.current_task, 'status', s.status, 'started_at', api_time(s.started_at),
        'last_heartbeat', api_time(s.last_heartbeat), 'ended_at', api_time(s.ended_at))""";

  /** $9 id, $10 capabilities, $11 current task. */
  static final String REGISTER = """
      WITH s AS (
        INSERT INTO sessions (id, agent, agent_type, capabilities, current_task, status)
        VALUES ($9::uuid, $1, $2, $10::text[], $11::text, 'active')
        RETURNING *
      ), audited AS (
        INSERT INTO audit_log (%2$s)
        SELECT %3$s, 'register_session', s.id::text, 'ok', jsonb_build_object('session_id', s.id) FROM s
      )
      SELECT %1$s AS session FROM s""".formatted(SESSION_JSON, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $9 session id, $10 current task or null (keep). Only the owner's active session. */
  static final String HEARTBEAT = """
      WITH prior AS (
        SELECT status FROM sessions WHERE id = $9::uuid AND agent = $1
      ), s AS (
        UPDATE sessions SET last_heartbeat = now(), current_task = coalesce($10::text, current_task)
        WHERE id = $9::uuid AND agent = $1 AND status = 'active'
        RETURNING *
      ), verdict AS (
        SELECT CASE WHEN s.id IS NOT NULL THEN %1$s END AS session,
          CASE WHEN s.id IS NOT NULL THEN NULL WHEN p.status IS NULL THEN 'NOT_FOUND' ELSE 'INVALID_STATE' END AS error
        FROM (SELECT 1) AS one LEFT JOIN s ON true LEFT JOIN prior p ON true
      ), audited AS (
        INSERT INTO audit_log (%2$s)
        SELECT %3$s, 'heartbeat', $9::text, CASE WHEN v.error IS NULL THEN 'ok' ELSE 'error' END,
          CASE WHEN v.error IS NULL THEN NULL ELSE jsonb_build_object('error', v.error) END
        FROM verdict v
      )
      SELECT session, error FROM verdict""".formatted(SESSION_JSON, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /**
   * $1 session id, $2 agent: an MCP connection's keep-alive of its own session. It only moves
   * {@code last_heartbeat} of an active session and is not audited (a liveness touch, not a change
   * of anything the trail records); the error tells a connection its session is gone.
   */
  static final String TOUCH = """
      WITH s AS (
        UPDATE sessions SET last_heartbeat = now() WHERE id = $1::uuid AND agent = $2 AND status = 'active'
        RETURNING *
      )
      SELECT (SELECT %1$s FROM s) AS session,
        CASE WHEN EXISTS (SELECT 1 FROM s) THEN NULL
          WHEN EXISTS (SELECT 1 FROM sessions WHERE id = $1::uuid AND agent = $2) THEN 'INVALID_STATE'
          ELSE 'NOT_FOUND' END AS error""".formatted(SESSION_JSON);

  /**
   * The close statement around a {@code closing(id)} selection that locks the sessions FOR UPDATE;
   * {@code %%1$s} the selection, {@code %%2$s} the new status, {@code %%3$s} the audit action for
   * each session. It only closes: what the sessions held is freed by {@link #FREE}, the next
   * statement of the same transaction, because this one's snapshot may predate an acquire or a
   * claim that held the session row (FOR SHARE) until it committed.
   */
  private static final String CLOSE_TEMPLATE = """
      WITH closing AS (%1$s
      ), closed AS (
        UPDATE sessions s SET status = '%2$s', ended_at = now() FROM closing c WHERE s.id = c.id
        RETURNING s.id
      ), audited AS (
        INSERT INTO audit_log (%4$s)
        SELECT %5$s, '%3$s', c.id::text, 'ok', jsonb_build_object('status', '%2$s') FROM closed c
      )
      SELECT coalesce(array_agg(id::text ORDER BY id), '{}') AS closed FROM closed""";

  private static String close(String selection, String status, String action) {
    return CLOSE_TEMPLATE.formatted(selection, status, action, AuditSql.COLUMNS, AuditSql.CONTEXT);
  }

  /**
   * $9 ids of sessions just closed (in this transaction): releases exactly their locks, gives
   * their claimed tasks back to the queue (or fails them on their last attempt), cancels what
   * depended on a task that failed, takes their waits out of line (their nodes, told by the
   * database, answer them), and audits every one of those changes. A statement of its own, so its
   * snapshot includes every grant and every entry in line that committed before the close.
   */
  static final String FREE = """
      WITH RECURSIVE ended(id) AS (
        SELECT unnest($9::text[])
      ), freed AS (
        DELETE FROM locks l USING ended e WHERE l.session_id = e.id
        RETURNING l.key, l.holder, l.fencing_token, l.expires_at > now() AS live, e.id AS session
      ), returned AS (
        UPDATE tasks t SET %1$s
        FROM ended e WHERE t.claim_session = e.id AND t.status = 'claimed'
        RETURNING t.id, t.status, t.task_type, t.attempt, t.error, e.id AS session
      ), roots(id, why) AS (
        SELECT id, 'failed' FROM returned WHERE status = 'failed'
      ), unqueued AS (
        DELETE FROM lock_waits w USING ended e WHERE w.session_id = e.id
      ), unclaimed AS (
        DELETE FROM claim_waits w USING ended e WHERE w.session_id = e.id
      )%2$s, audited AS (
        INSERT INTO audit_log (%3$s)
        SELECT %4$s, 'release_lock', f.key, 'ok',
          jsonb_build_object('fencing_token', f.fencing_token, 'holder', f.holder, 'session_ended', f.session)
        FROM freed f WHERE f.live
        UNION ALL
        SELECT %4$s, CASE WHEN r.status = 'failed' THEN 'fail_task' ELSE 'requeue_task' END, r.id::text, 'ok',
          jsonb_build_object('status', r.status, 'attempt', r.attempt, 'error', r.error, 'session_ended', r.session)
        FROM returned r
      )
      SELECT (SELECT coalesce(array_agg(key ORDER BY key), '{}') FROM freed WHERE live) AS released_keys,
        (SELECT count(*) FROM returned) AS returned_tasks"""
      .formatted(TaskSql.requeue("'session ended'"), TaskSql.CASCADE, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $9 session id: the caller ends its own active session. */
  static final String END = close("""
      SELECT id FROM sessions WHERE id = $9::uuid AND agent = $1 AND status = 'active' FOR UPDATE""", "ended", "end_session");

  /** $1 session id, $2 agent: what the session was before (for the error of an end that closed nothing). */
  static final String STATUS = "SELECT status FROM sessions WHERE id = $1::uuid AND agent = $2";

  /**
   * $9 timeout seconds, with the system's audit context: sessions silent that long. Rows another
   * node's reaper holds are skipped, so reapers on several nodes never block or double up.
   */
  static final String REAP = close("""
      SELECT id FROM sessions WHERE status = 'active' AND last_heartbeat < now() - make_interval(secs => $9::integer)
        ORDER BY last_heartbeat LIMIT 200 FOR UPDATE SKIP LOCKED""", "reaped", "reap_session");

  /** $1 capability or null, $2 presence ('active', 'offline') or null. */
  static final String DISCOVER = """
      SELECT jsonb_build_object('id', a.id, 'type', a.agent_type, 'trust', a.trust,
          'status', CASE WHEN s.id IS NULL THEN 'offline' ELSE 'active' END, 'session_id', s.id,
          'capabilities', coalesce(to_jsonb(s.capabilities), '[]'::jsonb), 'current_task', s.current_task,
          'last_heartbeat', api_time(s.last_heartbeat)) AS agent
      FROM agents a LEFT JOIN LATERAL (
        SELECT * FROM sessions s WHERE s.agent = a.id AND s.status = 'active' ORDER BY s.last_heartbeat DESC LIMIT 1
      ) s ON true
      WHERE ($1::text IS NULL OR $1::text = ANY (s.capabilities))
        AND ($2::text IS NULL OR ($2::text = 'active') = (s.id IS NOT NULL))
      ORDER BY a.id""";

  private SessionSql() {
  }
}
