package dev.coordinator.bus.audit;

import dev.coordinator.bus.schema.Nullable;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** One audit row as api.md shows it. */
public record AuditEntry(long id, Instant at, String agent, @Nullable String agentType, @Nullable String sessionId,
                         String action, @Nullable String resource, @Nullable String decision, @Nullable String reason,
                         @Nullable String engine, String outcome, @Nullable JsonObject params, @Nullable JsonObject result) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("at", at.toString())
        .put("agent", agent)
        .put("agent_type", agentType)
        .put("session_id", sessionId)
        .put("action", action)
        .put("resource", resource)
        .put("decision", decision)
        .put("reason", reason)
        .put("engine", engine)
        .put("outcome", outcome)
        .put("params", params)
        .put("result", result);
  }
}
