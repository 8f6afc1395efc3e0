package dev.coordinator.bus.lock;

import dev.coordinator.bus.Payload;
import dev.coordinator.bus.schema.Nullable;
import dev.coordinator.bus.schema.RecordSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The successful answers of the lock verticle. */
public final class LockReplies {
  private LockReplies() {
  }

  /** {@code action} is {@code acquired} (a new fencing token) or {@code refreshed} (same token). */
  public record Acquired(Lock lock, String action) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("lock", lock.toJson()).put("action", action);
    }
  }

  public record Released() implements Payload {
    /** Always {@code {"released": true}}: a release that did not happen is an error. */
    public static JsonObject schema() {
      return RecordSchema.object(new JsonObject().put("released", new JsonObject().put("type", "boolean").put("const", true)),
          new JsonArray().add("released"));
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("released", true);
    }
  }

  public record Renewed(Lock lock) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("lock", lock.toJson());
    }
  }

  public record Locks(List<Lock> locks) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("locks", new JsonArray(locks.stream().map(Lock::toJson).toList()));
    }
  }

  /** {@code currentToken} is the live lock's token, or null when the key is free. */
  public record Validation(boolean valid, @Nullable Long currentToken) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("valid", valid).put("current_token", currentToken);
    }
  }
}
