package dev.coordinator.mcp;

import dev.coordinator.bus.Command;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * One MCP tool: its name (the policy action's), a description written for an agent, its input
 * schema, and how its arguments become the same typed command its REST twin builds.
 */
record McpTool(String name, String description, JsonObject inputSchema, Function<JsonObject, Command> command) {
  static final JsonObject OUTPUT_SCHEMA = new JsonObject().put("type", "object");

  JsonObject toJson() {
    return new JsonObject().put("name", name).put("description", description).put("inputSchema", inputSchema)
        .put("outputSchema", OUTPUT_SCHEMA);
  }
}
