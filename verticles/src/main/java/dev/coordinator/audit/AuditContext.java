package dev.coordinator.audit;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.domain.CommandJson;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/** Binds the first parameters of every audit-writing statement (see {@link AuditSql}). */
public final class AuditContext {
  /** The actor, agent type and engine named on the system's own transitions. */
  public static final String SYSTEM = "system";
  /** The actor named on refusals of callers without a valid key. */
  public static final String ANONYMOUS = "anonymous";

  private AuditContext() {
  }

  /**
   * The system as the actor (sweepers, reapers): a fresh tuple, to which a statement adds its own
   * parameters. Each pass is a request of its own, so its rows share one audit chain.
   */
  public static Tuple system(String reason) {
    return Tuple.of(SYSTEM, SYSTEM, null, "system-" + UUID.randomUUID(), "allow", reason, SYSTEM)
        .addValue(new JsonObject());
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
