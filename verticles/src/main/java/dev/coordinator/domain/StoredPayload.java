package dev.coordinator.domain;

import dev.coordinator.bus.Payload;
import io.vertx.core.json.JsonObject;

/** A result replayed from the idempotency store, exactly as it was first answered. */
record StoredPayload(JsonObject json) implements Payload {
  @Override
  public JsonObject toJson() {
    return json.copy();
  }
}
