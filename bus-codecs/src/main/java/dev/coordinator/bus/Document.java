package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/**
 * A result the database rendered in the API's own field names (sessions, handoffs, memories are
 * built with {@code jsonb_build_object}), passed through as it is.
 */
public record Document(JsonObject json) implements Payload {
  @Override
  public JsonObject toJson() {
    return json.copy();
  }
}
