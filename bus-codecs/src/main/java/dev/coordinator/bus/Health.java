package dev.coordinator.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Asks whether the database answers; the reply is a {@link Health.Status}. */
public record Health() implements BusMessage {

  /**
   * @param node this node's id, or null when the node could not say
   * @param members how many cluster members this node sees, or null when it is not clustered
   */
  public record Status(boolean databaseUp, String node, Integer members) implements Payload {
    /** The body regroups the components (status and db from one flag, members under cluster), so it is declared here. */
    public static JsonObject schema() {
      JsonObject members = new JsonObject().put("type", "object").put("properties", new JsonObject()
          .put("members", new JsonObject().put("type", "integer"))).put("required", new JsonArray().add("members"))
          .put("additionalProperties", false);
      return new JsonObject().put("type", "object").put("properties", new JsonObject()
              .put("status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("ok").add("degraded")))
              .put("db", new JsonObject().put("type", "string").put("enum", new JsonArray().add("up").add("down")))
              .put("node", new JsonObject().put("type", "string"))
              .put("cluster", members))
          .put("required", new JsonArray().add("status").add("db")).put("additionalProperties", false);
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("status", databaseUp ? "ok" : "degraded").put("db", databaseUp ? "up" : "down");
      if (node != null) {
        json.put("node", node);
      }
      if (members != null) {
        json.put("cluster", new JsonObject().put("members", members));
      }
      return json;
    }
  }
}
