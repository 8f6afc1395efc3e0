package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/** A successful result, rendered as the JSON body of the API contract. */
public interface Payload {
  JsonObject toJson();
}
