package dev.coordinator.mcp;

import dev.coordinator.bus.schema.RecordSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds a tool's JSON Schema: an object with typed properties and no others. */
final class InputSchema {
  private final JsonObject properties = new JsonObject();
  private final JsonArray required = new JsonArray();

  static InputSchema object() {
    return new InputSchema();
  }

  InputSchema string(String name, boolean mandatory, String description) {
    return property(name, mandatory, new JsonObject().put("type", "string").put("description", description));
  }

  InputSchema integer(String name, boolean mandatory, long min, long max, String description) {
    return property(name, mandatory, new JsonObject().put("type", "integer").put("minimum", min).put("maximum", max)
        .put("description", description));
  }

  InputSchema bool(String name, boolean mandatory, String description) {
    return property(name, mandatory, new JsonObject().put("type", "boolean").put("description", description));
  }

  InputSchema strings(String name, String description) {
    return property(name, false, new JsonObject().put("type", "array")
        .put("items", new JsonObject().put("type", "string")).put("description", description));
  }

  InputSchema anyJson(String name, String description) {
    return property(name, false, RecordSchema.anyJson(description));
  }

  /** Every mutating tool takes {@code request_id}, the MCP spelling of Idempotency-Key. */
  InputSchema idempotent() {
    return string(McpTools.REQUEST_ID, false, "a key of your choice (at most 128 characters); repeating a call with the"
        + " same request_id returns the first outcome instead of acting twice");
  }

  private InputSchema property(String name, boolean mandatory, JsonObject schema) {
    properties.put(name, schema);
    if (mandatory) {
      required.add(name);
    }
    return this;
  }

  JsonObject toJson() {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties)
        .put("additionalProperties", false);
    if (!required.isEmpty()) {
      schema.put("required", required);
    }
    return schema;
  }
}
