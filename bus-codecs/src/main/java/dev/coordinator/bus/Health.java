package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/** Asks whether the database answers; the reply is a {@link Health.Status}. */
public record Health() implements BusMessage {

  public record Status(boolean databaseUp) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("status", databaseUp ? "ok" : "degraded").put("db", databaseUp ? "up" : "down");
    }
  }
}
