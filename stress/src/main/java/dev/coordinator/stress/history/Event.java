package dev.coordinator.stress.history;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One line of the history: an operation's invocation, or its completion as {@code ok}, {@code fail}
 * (it certainly did not happen) or {@code info} (unknown: it may have happened, as in Jepsen).
 *
 * @param index position in the history
 * @param opId the operation this event belongs to (its invocation's index)
 * @param nanos client-side monotonic time since the run began
 * @param wall client-side wall time, the run's start wall time plus {@code nanos}
 */
public record Event(long index, long opId, Type type, String process, String op, JsonObject args, JsonObject result,
                   String error, long nanos, Instant wall) {

  public enum Type {
    INVOKE, OK, FAIL, INFO;

    public String json() {
      return name().toLowerCase();
    }
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("index", index).put("op_id", opId).put("type", type.json())
        .put("process", process).put("op", op).put("time_ns", nanos).put("wall", wall.toString());
    if (args != null && !args.isEmpty()) {
      json.put("args", args);
    }
    if (result != null) {
      json.put("result", result);
    }
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }

  public static Event fromJson(JsonObject json) {
    return new Event(json.getLong("index"), json.getLong("op_id"), Type.valueOf(json.getString("type").toUpperCase()),
        json.getString("process"), json.getString("op"), json.getJsonObject("args", new JsonObject()),
        json.getJsonObject("result"), json.getString("error"), json.getLong("time_ns"), Instant.parse(json.getString("wall")));
  }
}
