package dev.coordinator.mcp;

import dev.coordinator.bus.Command;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * One MCP tool: its name (the policy action's), a description written for an agent, its input
 * schema, the schema of its successful result (the reply record's, see ReplySchemas), and how its
 * arguments become the same typed command its REST twin builds.
 */
record McpTool(String name, String description, JsonObject inputSchema, JsonObject outputSchema,
               Function<JsonObject, Command> command) {

  JsonObject toJson() {
    return new JsonObject().put("name", name).put("description", description).put("inputSchema", inputSchema)
        .put("outputSchema", outputSchema);
  }
}
