package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.ValidRequests;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MCP over Streamable HTTP with the MCP Java SDK client: a whole agent story, and denials that change nothing. */
class McpJavaSdkTest {
  @RegisterExtension
  static final RunningService service = new RunningService();

  private static McpSyncClient client(String key) {
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("http://127.0.0.1:" + service.port())
        .endpoint("/mcp")
        .httpRequestCustomizer((request, method, uri, body, context) -> request.header("Authorization", "Bearer " + key))
        .build();
    McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
    client.initialize();
    return client;
  }

  private static JsonObject call(McpSyncClient client, String tool, Map<String, Object> arguments) {
    McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    JsonObject structured = JsonObject.mapFrom(result.structuredContent());
    String text = ((McpSchema.TextContent) result.content().get(0)).text();
    assertEquals(structured, new JsonObject(text), "the text content is the same JSON");
    if (Boolean.TRUE.equals(result.isError())) {
      return structured.put("isError", true);
    }
    return structured;
  }

  @Test
  void everyToolHasValidSchemas() {
    try (McpSyncClient client = client(service.agent("lister", "claude_code", 1))) {
      List<McpSchema.Tool> tools = client.listTools().tools();
      assertTrue(tools.size() >= 20, tools.size() + " tools");
      for (McpSchema.Tool tool : tools) {
        assertTrue(tool.name().matches("[A-Za-z0-9_.-]{1,128}"), tool.name());
        assertFalse(tool.description().isBlank(), tool.name());
        assertEquals("object", tool.inputSchema().get("type"), tool.name());
        assertEquals(false, tool.inputSchema().get("additionalProperties"), tool.name());
        assertEquals("object", tool.outputSchema().get("type"), tool.name());
        assertTrue(Commands.byName(tool.name()).isPresent(), "every tool is a command of the service: " + tool.name());
      }
    }
  }

  @Test
  void anAgentStoryOverMcp() {
    try (McpSyncClient client = client(service.agent("mcp-alice", "claude_code", 2))) {
      JsonObject acquired = call(client, "acquire_lock", Map.of("key", "src/mcp.py", "ttl_seconds", 60));
      assertEquals("acquired", acquired.getString("action"), acquired::encode);
      long token = acquired.getJsonObject("lock").getLong("fencing_token");
      assertEquals("mcp-alice", call(client, "check_locks", Map.of("keys", List.of("src/mcp.py")))
          .getJsonArray("locks").getJsonObject(0).getString("holder"));
      assertEquals(true, call(client, "release_lock", Map.of("key", "src/mcp.py", "fencing_token", token)).getBoolean("released"));

      String taskId = call(client, "submit_work", Map.of("task_type", "mcp-story", "description", "write docs"))
          .getJsonObject("task").getString("id");
      JsonObject claimed = call(client, "get_work", Map.of("task_types", List.of("mcp-story"))).getJsonObject("task");
      assertEquals(taskId, claimed.getString("id"));
      JsonObject done = call(client, "complete_work", Map.of("task_id", taskId, "claim_token", claimed.getString("claim_token"),
          "success", true, "result", Map.of("pages", 2))).getJsonObject("task");
      assertEquals("completed", done.getString("status"));

      call(client, "write_handoff", Map.of("summary", "docs written", "next_steps", List.of("review")));
      assertEquals("docs written", call(client, "read_handoff", Map.of()).getJsonArray("handoffs").getJsonObject(0)
          .getString("summary"));
      assertEquals("created", call(client, "remember", Map.of("event_type", "docs", "summary", "keep them short",
          "tags", List.of("docs"))).getString("action"));
      assertEquals("keep them short", call(client, "recall", Map.of("tags", List.of("docs"))).getJsonArray("memories")
          .getJsonObject(0).getString("summary"));

      JsonObject held = call(client, "release_lock", Map.of("key", "src/never.py"));
      assertEquals(true, held.getBoolean("isError"), "a business failure is a tool result with isError");
      assertEquals("NOT_LOCK_HOLDER", held.getJsonObject("error").getString("code"));
      JsonObject invalid = call(client, "acquire_lock", Map.of("key", "../etc"));
      assertEquals("VALIDATION_FAILED", invalid.getJsonObject("error").getString("code"));
    }
  }

  @Test
  void aReadOnlyAgentIsDeniedEveryMutatingToolAndNothingChanges() {
    ValidRequests.Fixture fixture = ValidRequests.fixture(service.http(), service.agent("mcp-owner", "claude_code", 2),
        "src/sdk-owned.py");
    String reader = service.agent("mcp-reader", "claude_code", 1);
    try (McpSyncClient client = client(reader)) {
      Set<String> tools = client.listTools().tools().stream().map(McpSchema.Tool::name).collect(Collectors.toSet());
      Map<String, JsonObject> arguments = ValidRequests.tools(fixture);
      // Over MCP a reader's connection has no session to keep alive: EnforcementMatrixTest pins that refusal.
      List<String> mutating = Commands.mutations().stream().map(type -> Commands.action(type).value())
          .filter(tools::contains).filter(tool -> !tool.equals("heartbeat")).toList();
      assertTrue(mutating.size() >= 10, mutating::toString);
      long locks = service.database().count("locks");
      long tasks = service.database().count("tasks");
      long denials = denials();
      for (String tool : mutating) {
        // Valid arguments, aimed at another agent's lock and tasks, so the gate is what says no.
        JsonObject answer = call(client, tool, arguments.get(tool).getMap());
        assertEquals("POLICY_DENIED", answer.getJsonObject("error").getString("code"), tool + ": " + answer.encode());
      }
      assertEquals(locks, service.database().count("locks"));
      assertEquals(tasks, service.database().count("tasks"));
      assertEquals(denials + mutating.size(), denials(), "ENF-5: each denial is one audit row");
    }
  }

  private static long denials() {
    return (Long) service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = 'mcp-reader' AND decision = 'deny' AND outcome = 'denied'");
  }
}
