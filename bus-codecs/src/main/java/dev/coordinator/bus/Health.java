package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/** Asks whether the database answers; the reply is a {@link Health.Status}. */
public record Health() implements BusMessage {

  /**
   * @param node this node's id, or null when the node could not say
   * @param members how many cluster members this node sees, or null when it is not clustered
   */
  public record Status(boolean databaseUp, String node, Integer members) implements Payload {
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
