package dev.coordinator.stress.check;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** One broken invariant: its id (requirements.md), what the history shows, and the operations involved (op ids). */
public record Violation(String invariant, String detail, List<Long> ops) {

  public JsonObject toJson() {
    return new JsonObject().put("invariant", invariant).put("detail", detail).put("ops", new JsonArray(List.copyOf(ops)));
  }
}
