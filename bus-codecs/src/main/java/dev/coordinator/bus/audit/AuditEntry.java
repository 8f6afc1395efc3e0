package dev.coordinator.bus.audit;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** One audit row as api.md shows it. */
public record AuditEntry(long id, Instant at, String agent, String agentType, String sessionId, String action,
                         String resource, String decision, String reason, String engine, String outcome,
                         JsonObject params, JsonObject result) {

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
