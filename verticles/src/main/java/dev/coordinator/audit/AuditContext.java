package dev.coordinator.audit;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.Refusal;
import dev.coordinator.bus.Reply;
import dev.coordinator.domain.CommandJson;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/** Binds the first parameters of every audit-writing statement (see {@link AuditSql}). */
public final class AuditContext {
  /** The actor, agent type and engine named on the system's own transitions. */
  public static final String SYSTEM = "system";
  private static final int MAX_TEXT = 1_000;
  /** The actor named on refusals of callers without a valid key. */
  public static final String ANONYMOUS = "anonymous";

  private AuditContext() {
  }

  /**
   * The system as the actor (sweepers, reapers): a fresh tuple, to which a statement adds its own
   * parameters. Each pass is a request of its own, so its rows share one request id.
   */
  public static Tuple system(String reason) {
    return Tuple.of(SYSTEM, SYSTEM, null, "system-" + UUID.randomUUID(), "allow", reason, SYSTEM)
        .addValue(new JsonObject());
  }

  /**
   * A refusal's whole row (all of {@link AuditSql#INSERT}'s parameters): decision deny, the
   * refusal's message as the reason. Refused text is untrusted and may be what made the request
   * unreadable (U+0000, which PostgreSQL cannot store), so every text is made storable and bounded.
   */
  public static Tuple refusal(Refusal refusal, String agentType, String engine, JsonObject params, String outcome) {
    return Tuple.of(refusal.agentId(), agentType, refusal.sessionId(), refusal.requestId(), "deny",
            storable(refusal.failure().message()), engine)
        .addValue(params)
        .addString(refusal.action())
        .addString(storable(refusal.resource()))
        .addString(outcome)
        .addValue(result(refusal.failure()));
  }

  /** {@code text} without U+0000 (PostgreSQL cannot store it) and at most {@value #MAX_TEXT} characters. */
  static String storable(String text) {
    if (text == null) {
      return null;
    }
    String bounded = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text;
    return bounded.replace('\0', '\uFFFD');
  }

  /** What a refusal's {@code result} records: the error code and, for bad input, the field. */
  private static JsonObject result(Reply.Failure failure) {
    JsonObject result = new JsonObject().put("error", failure.code().name());
    return failure.details().getValue("field") instanceof String field ? result.put("field", storable(field)) : result;
  }

  /** A caller nobody knows (an unknown API key): denied by the authentication, not by a policy engine. */
  public static Tuple anonymous(String requestId, String reason, JsonObject params) {
    return Tuple.of(ANONYMOUS, null, null, requestId, "deny", reason, "authentication").addValue(params);
  }

  public static Tuple tuple(Envelope envelope, String agentType, Decision decision) {
    return Tuple.of(envelope.agentId(), agentType, envelope.sessionId(), envelope.requestId(),
            decision.auditDecision(), decision.reason(), decision.engine())
        .addValue(CommandJson.of(envelope.command()));
  }
}
