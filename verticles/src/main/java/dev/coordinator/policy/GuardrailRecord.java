package dev.coordinator.policy;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.Principal;
import dev.coordinator.policy.Guardrails.Violation;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/** Writes the matches of one guardrail check: a violation row each, and one audit row for the check. */
final class GuardrailRecord {
  /** $9 audit action, $10 resource, $11 outcome, $12 result; $13 trust; $14 the request's action; then the violations column by column. */
  static final String RECORD = """
      WITH violations AS (
        INSERT INTO guardrail_violations (agent, trust, request_id, action, resource, guardrail, category, severity,
                                          matched_text, blocked, bypassed)
        SELECT $1, $13::smallint, $4, $14::text, $10::text, v.*
        FROM unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::boolean[], $20::boolean[]) AS v
      )
      INSERT INTO audit_log (%1$s) VALUES (%2$s, $9::text, $10::text, $11::text, $12::jsonb)"""
      .formatted(AuditSql.COLUMNS, AuditSql.CONTEXT);
  static final String MATCH_ACTION = "guardrail_match";

  private GuardrailRecord() {
  }

  /**
   * Records {@code violations} of a request; {@code action} is the request's own when the check
   * blocked it (the row is its denial), else {@link #MATCH_ACTION}.
   */
  static Future<Void> write(Pool pool, Envelope envelope, Principal principal, Decision decision, String action,
                            String outcome, List<Violation> violations) {
    JsonObject result = new JsonObject().put("trust", principal.trust()).put("violations", Violation.toJson(violations));
    Tuple args = AuditContext.tuple(envelope, principal.type(), decision)
        .addString(action).addString(envelope.command().resource()).addString(outcome).addValue(result)
        .addInteger(principal.trust()).addString(envelope.command().actionName())
        .addArrayOfString(violations.stream().map(Violation::pattern).toArray(String[]::new))
        .addArrayOfString(violations.stream().map(Violation::category).toArray(String[]::new))
        .addArrayOfString(violations.stream().map(Violation::severity).toArray(String[]::new))
        .addArrayOfString(violations.stream().map(Violation::matchedText).toArray(String[]::new))
        .addArrayOfBoolean(violations.stream().map(Violation::blocked).toArray(Boolean[]::new))
        .addArrayOfBoolean(violations.stream().map(Violation::bypassed).toArray(Boolean[]::new));
    return pool.preparedQuery(RECORD).execute(args).mapEmpty();
  }
}
