package dev.coordinator.bus.lock;

import dev.coordinator.bus.schema.Nullable;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A live lock as the API shows it. */
public record Lock(String key, String holder, String agentType, @Nullable String sessionId, long fencingToken,
                   @Nullable String reason, Instant acquiredAt, Instant expiresAt) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("key", key)
        .put("holder", holder)
        .put("agent_type", agentType)
        .put("session_id", sessionId)
        .put("fencing_token", fencingToken)
        .put("reason", reason)
        .put("acquired_at", acquiredAt.toString())
        .put("expires_at", expiresAt.toString());
  }
}
