package dev.coordinator.bus.event;

import dev.coordinator.bus.BusMessage;
import io.vertx.core.json.JsonObject;

/** Facts published to every node. The only bodies that may cross the wire. */
public sealed interface Event extends BusMessage {

  JsonObject toJson();

  /** A lock key became free (released, or taken from a reaped session). */
  record LockReleased(String key) implements Event {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "lock_released").put("key", key);
    }
  }

  static Event fromJson(JsonObject json) {
    String type = json.getString("type");
    if ("lock_released".equals(type)) {
      return new LockReleased(json.getString("key"));
    }
    throw new IllegalArgumentException("unknown event type " + type);
  }
}
