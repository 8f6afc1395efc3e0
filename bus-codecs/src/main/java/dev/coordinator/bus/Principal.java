package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/** An authenticated agent as its profile row says: identity, type and trust (0..4). */
public record Principal(String id, String type, int trust) implements Payload, BusMessage {
  @Override
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("type", type).put("trust", trust);
  }
}
