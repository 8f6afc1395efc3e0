package dev.coordinator.task;

import dev.coordinator.audit.AuditSql;

/**
 * The queue statements. Each mutation is one data-modifying statement that changes the task rows
 * and writes their audit rows. Parameters $1..$8 are the audit context ({@link AuditSql}); a
 * statement's own parameters follow from $9. Tasks come back as {@code to_jsonb} documents in a
 * column {@code task}, read by {@link TaskRows}.
 *
 * <p>A failed or cancelled task dooms the tasks that depend on it, transitively: the statements
 * that fail or cancel a task cancel its pending dependents in the same statement, with an audit
 * row each.
 */
public final class TaskSql {
  /** Cancels the pending dependents (transitively) of the tasks in CTE {@code roots(id, why)}; audits each. */
  public static final String CASCADE = """
      , dependents(id, cause, why) AS (
        SELECT d.task, r.id, r.why FROM task_dependencies d JOIN roots r ON d.depends_on = r.id
        UNION
        SELECT d.task, x.cause, x.why FROM task_dependencies d JOIN dependents x ON d.depends_on = x.id
      ), cascaded AS (
        UPDATE tasks t SET status = 'cancelled', completed_at = now(),
          error = 'dependency ' || x.cause || ' ' || x.why
        FROM (SELECT DISTINCT ON (id) id, cause, why FROM dependents ORDER BY id) x
        WHERE t.id = x.id AND t.status = 'pending'
        RETURNING t.id, t.error
      ), cascade_audited AS (
        INSERT INTO audit_log (%1$s)
        SELECT %2$s, 'cancel_task', c.id::text, 'ok', jsonb_build_object('status', 'cancelled', 'reason', c.error)
        FROM cascaded c
      )""".formatted(AuditSql.COLUMNS, AuditSql.CONTEXT);

  /**
   * The SET clause that gives a claimed task {@code t} back to the queue, or fails it when that
   * was its last attempt (or its deadline passed); {@code why} is SQL text naming the cause. Either
   * way the claim token is gone: no claim finished the task, so its old token is only STALE_CLAIM.
   */
  public static String requeue(String why) {
    return """
          status = CASE WHEN t.deadline <= now() OR t.attempt >= t.max_attempts THEN 'failed' ELSE 'pending' END,
          error = CASE WHEN t.deadline <= now() THEN 'deadline ' || t.deadline || ' passed'
                       WHEN t.attempt >= t.max_attempts THEN %1$s || ' on the last of ' || t.max_attempts || ' attempts'
                       ELSE t.error END,
          completed_at = CASE WHEN t.deadline <= now() OR t.attempt >= t.max_attempts THEN now() END,
          claimed_by = CASE WHEN t.deadline <= now() OR t.attempt >= t.max_attempts THEN t.claimed_by END,
          claim_token = NULL,
          claim_session = NULL, lease_expires_at = NULL""".formatted(why);
  }

  /**
   * $9 id, $10 task type, $11 description, $12 input (JSON text), $13 priority, $14 dependencies,
   * $15 max attempts, $16 deadline, $17 the trust a claimant needs (guardrails). Nothing is stored unless every dependency exists; a task whose
   * dependency already failed or was cancelled is stored cancelled.
   */
  static final String SUBMIT = """
      WITH deps AS (
        SELECT id, status FROM tasks WHERE id = ANY($14::uuid[])
      ), verdict AS (
        SELECT (SELECT count(*) FROM deps) = cardinality($14::uuid[]) AS known,
               (SELECT string_agg(id::text || ' ' || status, ', ' ORDER BY id) FROM deps
                WHERE status IN ('failed', 'cancelled')) AS doomed_by
      ), inserted AS (
        INSERT INTO tasks (id, task_type, description, input, priority, status, depends_on, submitted_by,
                           max_attempts, deadline, error, completed_at, claim_trust)
        SELECT $9::uuid, $10::text, $11::text, $12::text::jsonb, $13::integer,
               CASE WHEN v.doomed_by IS NULL THEN 'pending' ELSE 'cancelled' END, $14::uuid[], $1, $15::integer,
               $16::timestamptz, CASE WHEN v.doomed_by IS NULL THEN NULL ELSE 'dependency ' || v.doomed_by END,
               CASE WHEN v.doomed_by IS NULL THEN NULL ELSE now() END, $17::smallint
        FROM verdict v WHERE v.known
        RETURNING *
      ), linked AS (
        INSERT INTO task_dependencies (task, depends_on) SELECT i.id, d FROM inserted i, unnest($14::uuid[]) AS d
      ), audited AS (
        INSERT INTO audit_log (%1$s)
        SELECT %2$s, 'submit_work', coalesce(i.id::text, $10::text), CASE WHEN i.id IS NULL THEN 'error' ELSE 'ok' END,
          CASE WHEN i.id IS NULL THEN jsonb_build_object('error', 'UNKNOWN_DEPENDENCY')
               ELSE jsonb_build_object('task_id', i.id, 'status', i.status) END
        FROM verdict v LEFT JOIN inserted i ON true
      )
      SELECT to_jsonb(i) AS task FROM verdict v LEFT JOIN inserted i ON true""".formatted(AuditSql.COLUMNS, AuditSql.CONTEXT);

  /**
   * $9 task types (empty: any), $10 lease seconds, $11 the guardrail bypass level the gate granted
   * the claimant. The most urgent claimable task, or a null task; a task whose text needs more trust than the claimant has is
   * left for one that has it, and one past its deadline for the sweeper to fail. A claim in a session first locks the session FOR SHARE and needs it
   * active ({@code session_live}): an end or reap (FOR UPDATE) then waits for the claim to commit
   * and gives the task back, or the claim waits for the end and finds the session ended, a refusal
   * it audits (HARD-2).
   */
  static final String CLAIM = """
      WITH live AS (
        SELECT id FROM sessions WHERE id = ($3::text)::uuid AND status = 'active' FOR SHARE
      ), candidate AS (
        SELECT t.id FROM tasks t
        WHERE ($3::text IS NULL OR EXISTS (SELECT 1 FROM live))
          AND t.status = 'pending' AND (cardinality($9::text[]) = 0 OR t.task_type = ANY($9::text[]))
          AND (t.deadline IS NULL OR t.deadline > now())
          AND t.claim_trust <= $11::integer
          AND NOT EXISTS (SELECT 1 FROM task_dependencies d JOIN tasks dep ON dep.id = d.depends_on
                          WHERE d.task = t.id AND dep.status <> 'completed')
        ORDER BY t.priority, t.seq
        LIMIT 1
        FOR UPDATE OF t SKIP LOCKED
      ), claimed AS (
        UPDATE tasks t SET status = 'claimed', claimed_by = $1, claim_session = $3::text, claim_token = gen_random_uuid(),
          attempt = t.attempt + 1, lease_seconds = $10::integer, claimed_at = now(),
          lease_expires_at = now() + make_interval(secs => $10::integer)
        FROM candidate c WHERE t.id = c.id AND t.status = 'pending'
        RETURNING t.*
      ), recorded AS (
        INSERT INTO task_claims (claim_token, task, agent) SELECT claim_token, id, claimed_by FROM claimed
      ), audited AS (
        INSERT INTO audit_log (%1$s)
        SELECT %2$s, 'get_work', c.id::text, 'ok',
          jsonb_build_object('task_id', c.id, 'attempt', c.attempt, 'lease_expires_at', c.lease_expires_at)
        FROM claimed c
        UNION ALL
        SELECT %2$s, 'get_work', CASE WHEN cardinality($9::text[]) = 0 THEN '*' ELSE array_to_string($9::text[], ',') END,
          'error', jsonb_build_object('error', 'VALIDATION_FAILED', 'field', 'Coordinator-Session')
        WHERE $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM live)
      )
      SELECT (SELECT to_jsonb(c) FROM claimed c) AS task,
        ($3::text IS NULL OR EXISTS (SELECT 1 FROM live)) AS session_live""".formatted(AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** The task as it was, and whether the presented claim token was ever issued to the caller for it. */
  private static final String PRIOR = """
      prior AS (
        SELECT t.*, t.lease_expires_at > now() AS live,
          EXISTS (SELECT 1 FROM task_claims c WHERE c.claim_token = $10::uuid AND c.task = t.id AND c.agent = $1) AS mine
        FROM tasks t WHERE t.id = $9::uuid
      )""";

  /**
   * Why a claim-token operation changed nothing, from the task as it was. A token of the caller's that
   * is no longer current is STALE_CLAIM whatever became of the task since (requeued, claimed again,
   * finished by another claim, failed by the sweeper: queue.md); INVALID_STATE is for a task its own
   * claim already finished (a different second completion), a cancelled task, or someone else's
   * finished task. A finished task keeps only the token of the claim that finished it.
   */
  private static final String CLAIM_REFUSAL = """
      CASE WHEN p.id IS NULL THEN 'NOT_FOUND'
           WHEN p.status = 'cancelled' OR (p.status IN ('completed', 'failed') AND p.claim_token = $10::uuid)
             THEN 'INVALID_STATE'
           WHEN p.mine THEN 'STALE_CLAIM'
           WHEN p.status IN ('completed', 'failed') THEN 'INVALID_STATE'
           ELSE 'NOT_CLAIMANT' END""";

  /** $9 task id, $10 claim token, $11 new lease seconds or null (keep the claim's own). */
  static final String RENEW = """
      WITH %1$s, renewed AS (
        UPDATE tasks SET lease_seconds = coalesce($11::integer, lease_seconds),
          lease_expires_at = now() + make_interval(secs => coalesce($11::integer, lease_seconds))
        WHERE id = $9::uuid AND status = 'claimed' AND claim_token = $10::uuid AND claimed_by = $1
          AND lease_expires_at > now()
        RETURNING *
      ), verdict AS (
        SELECT coalesce(to_jsonb(r), to_jsonb(p)) AS task, CASE WHEN r.id IS NOT NULL THEN NULL ELSE %2$s END AS error
        FROM (SELECT 1) AS one LEFT JOIN renewed r ON true LEFT JOIN prior p ON true
      ), audited AS (
        INSERT INTO audit_log (%3$s)
        SELECT %4$s, 'renew_claim', $9::text, CASE WHEN v.error IS NULL THEN 'ok' ELSE 'error' END,
          CASE WHEN v.error IS NULL THEN jsonb_build_object('lease_expires_at', v.task->'lease_expires_at')
               ELSE jsonb_build_object('error', v.error) END
        FROM verdict v
      )
      SELECT task, error FROM verdict""".formatted(PRIOR, CLAIM_REFUSAL, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /**
   * $9 task id, $10 claim token, $11 success, $12 result (JSON text), $13 error. Only the current
   * claim, within its lease, finishes a task, once. Repeating the identical completion answers the
   * task as it is (a repeat, audited as such); any other second completion is INVALID_STATE.
   */
  static final String COMPLETE = """
      WITH RECURSIVE %1$s, done AS (
        UPDATE tasks SET status = CASE WHEN $11::boolean THEN 'completed' ELSE 'failed' END,
          result = $12::text::jsonb, error = $13::text, completed_at = now(), lease_expires_at = NULL
        WHERE id = $9::uuid AND status = 'claimed' AND claim_token = $10::uuid AND claimed_by = $1
          AND lease_expires_at > now()
        RETURNING *
      ), verdict AS (
        SELECT coalesce(to_jsonb(d), to_jsonb(p)) AS task,
          CASE WHEN d.id IS NOT NULL THEN NULL
               WHEN p.status IN ('completed', 'failed') AND p.claim_token = $10::uuid AND p.claimed_by = $1
                    AND p.status = CASE WHEN $11::boolean THEN 'completed' ELSE 'failed' END
                    AND p.result IS NOT DISTINCT FROM $12::text::jsonb AND p.error IS NOT DISTINCT FROM $13::text
                 THEN 'REPEAT'
               ELSE %2$s END AS error
        FROM (SELECT 1) AS one LEFT JOIN done d ON true LEFT JOIN prior p ON true
      ), roots(id, why) AS (
        SELECT id, 'failed' FROM done WHERE status = 'failed'
      )%3$s, audited AS (
        INSERT INTO audit_log (%4$s)
        SELECT %5$s, 'complete_work', $9::text,
          CASE WHEN v.error IS NULL OR v.error = 'REPEAT' THEN 'ok' ELSE 'error' END,
          CASE WHEN v.error IS NULL THEN jsonb_build_object('status', v.task->'status')
               WHEN v.error = 'REPEAT' THEN jsonb_build_object('status', v.task->'status', 'repeat', true)
               ELSE jsonb_build_object('error', v.error) END
        FROM verdict v
      )
      SELECT task, error, (SELECT count(*) FROM cascaded) AS cancelled_dependents FROM verdict"""
      .formatted(PRIOR, CLAIM_REFUSAL, CASCADE, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /**
   * $9 task id, $10 reason, $11 whether the caller may cancel anyone's task (admin trust). Whose
   * task it is is known only here, atomically with the change, so a refusal for someone else's task
   * is decided here too, and its audit row says so: decision deny, outcome denied (HARD-2).
   */
  static final String CANCEL = """
      WITH RECURSIVE prior AS (
        SELECT * FROM tasks WHERE id = $9::uuid
      ), cancelled AS (
        UPDATE tasks SET status = 'cancelled', error = $10::text, completed_at = now(), lease_expires_at = NULL
        WHERE id = $9::uuid AND status IN ('pending', 'claimed') AND (submitted_by = $1 OR $11::boolean)
        RETURNING *
      ), verdict AS (
        SELECT coalesce(to_jsonb(c), to_jsonb(p)) AS task,
          CASE WHEN c.id IS NOT NULL THEN NULL
               WHEN p.id IS NULL THEN 'NOT_FOUND'
               WHEN p.submitted_by <> $1 AND NOT $11::boolean THEN 'POLICY_DENIED'
               ELSE 'INVALID_STATE' END AS error
        FROM (SELECT 1) AS one LEFT JOIN cancelled c ON true LEFT JOIN prior p ON true
      ), roots(id, why) AS (
        SELECT id, 'was cancelled: ' || $10::text FROM cancelled
      )%1$s, audited AS (
        INSERT INTO audit_log (%2$s)
        SELECT $1, $2, $3, $4, CASE WHEN v.error = 'POLICY_DENIED' THEN 'deny' ELSE $5 END,
          CASE WHEN v.error = 'POLICY_DENIED' THEN 'only the submitter or an admin may cancel a task' ELSE $6 END,
          $7, $8::jsonb, 'cancel_task', $9::text,
          CASE WHEN v.error IS NULL THEN 'ok' WHEN v.error = 'POLICY_DENIED' THEN 'denied' ELSE 'error' END,
          CASE WHEN v.error IS NULL THEN jsonb_build_object('status', 'cancelled')
               ELSE jsonb_build_object('error', v.error) END
        FROM verdict v
      )
      SELECT task, error, (SELECT count(*) FROM cascaded) AS cancelled_dependents FROM verdict"""
      .formatted(CASCADE, AuditSql.COLUMNS);

  /**
   * The sweeper's pass, $1..$8 the system's audit context: claims whose lease ran out go back to
   * the queue with the attempt counted, or fail on their last attempt; open tasks past their
   * deadline fail. Rows other nodes' sweepers hold are skipped, so sweepers never block or race.
   */
  static final String SWEEP = """
      WITH RECURSIVE due AS (
        SELECT id FROM tasks
        WHERE (status = 'claimed' AND lease_expires_at <= now())
           OR (status IN ('pending', 'claimed') AND deadline <= now())
        ORDER BY id LIMIT 500
        FOR UPDATE SKIP LOCKED
      ), moved AS (
        UPDATE tasks t SET %4$s
        FROM due WHERE t.id = due.id
        RETURNING t.id, t.status, t.task_type, t.attempt, t.error
      ), roots(id, why) AS (
        SELECT id, 'failed' FROM moved WHERE status = 'failed'
      )%1$s, audited AS (
        INSERT INTO audit_log (%2$s)
        SELECT %3$s, CASE WHEN m.status = 'failed' THEN 'fail_task' ELSE 'requeue_task' END, m.id::text, 'ok',
          jsonb_build_object('status', m.status, 'attempt', m.attempt, 'error', m.error)
        FROM moved m
      )
      SELECT m.task_type FROM moved m WHERE m.status = 'pending'"""
      .formatted(CASCADE, AuditSql.COLUMNS, AuditSql.CONTEXT, requeue("'lease expired'"));

  /**
   * Pending tasks whose dependency failed or was cancelled but which escaped the cascade (submitted
   * while it ran): cancelled, with their own dependents. $1..$8 the system's audit context.
   */
  static final String SWEEP_ORPHANS = """
      WITH RECURSIVE orphans AS (
        SELECT DISTINCT t.id, dep.id AS cause, dep.status AS cause_status FROM tasks t
        JOIN task_dependencies d ON d.task = t.id JOIN tasks dep ON dep.id = d.depends_on
        WHERE t.status = 'pending' AND dep.status IN ('failed', 'cancelled')
        LIMIT 500
      ), roots(id, why) AS (
        SELECT cause, cause_status FROM orphans
      )%1$s
      SELECT count(*) AS cancelled FROM cascaded""".formatted(CASCADE);

  /** The open tasks by type and status, and how old the oldest of each is: the queue's gauges. */
  static final String OPEN_BY_TYPE = """
      SELECT task_type, status, count(*) AS tasks,
        extract(epoch FROM now() - min(created_at))::float8 AS oldest_seconds
      FROM tasks WHERE status IN ('pending', 'claimed')
      GROUP BY task_type, status""";

  /** $1 id, $2 agent, $3 session, $4 node, $5 request id, $6 task types (empty: any), $7 wait ms: a claim starts waiting. */
  static final String ENTER_WAIT = """
      INSERT INTO claim_waits (id, agent, session_id, node_id, request_id, task_types, deadline)
      VALUES ($1, $2, $3, $4, $5, $6::text[], now() + make_interval(secs => $7::integer / 1000.0))""";

  /** $1 id: the claim waits no more. */
  static final String LEAVE_WAIT = "DELETE FROM claim_waits WHERE id = $1";

  /** $1 task id. */
  static final String GET = "SELECT to_jsonb(t) AS task FROM tasks t WHERE t.id = $1::uuid";

  /** $1 status or null, $2 task type or null, $3 limit: newest first. */
  static final String LIST = """
      SELECT to_jsonb(t) AS task FROM tasks t
      WHERE ($1::text IS NULL OR t.status = $1::text) AND ($2::text IS NULL OR t.task_type = $2::text)
      ORDER BY t.seq DESC LIMIT $3""";

  private TaskSql() {
  }
}
