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

  /** A task was submitted, or returned to the queue, or a dependency completed: claims may succeed now. */
  record TaskAvailable(String taskType) implements Event {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "task_available").put("task_type", taskType);
    }
  }

  /** A session ended or was reaped (and committed): its waiting acquires and claims end with it. */
  record SessionEnded(String sessionId) implements Event {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "session_ended").put("session_id", sessionId);
    }
  }

  static Event fromJson(JsonObject json) {
    String type = json.getString("type");
    if ("lock_released".equals(type)) {
      return new LockReleased(json.getString("key"));
    }
    if ("task_available".equals(type)) {
      return new TaskAvailable(json.getString("task_type"));
    }
    if ("session_ended".equals(type)) {
      return new SessionEnded(json.getString("session_id"));
    }
    throw new IllegalArgumentException("unknown event type " + type);
  }
}
