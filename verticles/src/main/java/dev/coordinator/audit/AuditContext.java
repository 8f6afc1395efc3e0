package dev.coordinator.audit;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.domain.CommandJson;
import io.vertx.sqlclient.Tuple;

/** Binds the first parameters of every audit-writing statement (see {@link AuditSql}). */
public final class AuditContext {
  private AuditContext() {
  }

  public static Tuple tuple(Envelope envelope, String agentType, Decision decision) {
    return Tuple.of(envelope.agentId(), agentType, envelope.sessionId(), envelope.requestId(),
            decision.auditDecision(), decision.reason(), decision.engine())
        .addValue(CommandJson.of(envelope.command()));
  }
}
