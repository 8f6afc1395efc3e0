package dev.coordinator.bus.event;

import dev.coordinator.bus.BusMessage;
import io.vertx.core.json.JsonObject;

/**
 * Facts the database notified, relayed to this node's waiters (published locally only; the codec
 * still encodes them so that a body is never a plain object).
 */
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

  /** Lock waiter {@code seq} was taken out of line elsewhere; the node it waits on answers it. */
  record WaitLeft(long seq) implements Event {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "wait_left").put("seq", seq);
    }
  }

  /** Wake-ups may have been missed (the listening connection was re-established): every waiter tries once. */
  record Resync() implements Event {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", "resync");
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
    if ("wait_left".equals(type)) {
      return new WaitLeft(json.getLong("seq"));
    }
    if ("resync".equals(type)) {
      return new Resync();
    }
    throw new IllegalArgumentException("unknown event type " + type);
  }
}
