package dev.coordinator.audit;

/**
 * How statements write audit rows. Every statement that writes one binds the audit context as
 * its first {@link #CONTEXT_PARAMS} parameters (see {@link AuditContext}), so a domain statement
 * only adds the action, resource, outcome and result of its own change.
 */
public final class AuditSql {
  public static final int CONTEXT_PARAMS = 8;

  /** The audit columns: first the context ($1..$8), then action, resource, outcome, result. */
  public static final String COLUMNS =
      "agent, agent_type, session_id, request_id, decision, reason, engine, params, action, resource, outcome, result";

  /** The context values, for an {@code INSERT INTO audit_log (COLUMNS) SELECT CONTEXT, ...}. */
  public static final String CONTEXT = "$1, $2, $3, $4, $5, $6, $7, $8::jsonb";

  /** A row of its own: context, then $9 action, $10 resource, $11 outcome, $12 result. */
  public static final String INSERT = "INSERT INTO audit_log (" + COLUMNS + ") VALUES (" + CONTEXT
      + ", $9, $10, $11, $12::jsonb)";

  private AuditSql() {
  }
}
