package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.SchemaCheck;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every tool that tools/list offers works, over Streamable HTTP and over WebSocket, for an agent
 * trusted to run it. The calls come from a table keyed by tool name; a tool without an entry fails
 * the test, so a new tool cannot go untried. OPS-2: each real result's structuredContent conforms
 * to the outputSchema tools/list gave for its tool (vertx-json-schema, as /openapi.json is checked).
 */
class McpEveryToolTest {
  @RegisterExtension
  static final RunningService service = new RunningService();

  /** One transport: sends a tools/call and returns its result. */
  private interface Transport extends BiFunction<String, JsonObject, JsonObject> {
  }

  /** The arguments of each tool's call; {@code state} holds what earlier calls produced. */
  private static Map<String, JsonObject> calls(String suffix, Map<String, String> state) {
    String key = "src/every-" + suffix + ".py";
    Map<String, JsonObject> calls = new LinkedHashMap<>();
    calls.put("acquire_lock", new JsonObject().put("key", key));
    calls.put("check_locks", new JsonObject().put("keys", new JsonArray().add(key)));
    calls.put("validate_fencing_token", new JsonObject().put("key", key).put("fencing_token", 1));
    calls.put("renew_lock", new JsonObject().put("key", key).put("fencing_token", 0));
    calls.put("release_lock", new JsonObject().put("key", key));
    calls.put("submit_work", new JsonObject().put("task_type", "every-" + suffix).put("description", "d"));
    calls.put("get_work", new JsonObject().put("task_types", new JsonArray().add("every-" + suffix)));
    calls.put("renew_claim", new JsonObject().put("task_id", "").put("claim_token", ""));
    calls.put("complete_work", new JsonObject().put("task_id", "").put("claim_token", "").put("success", true));
    calls.put("get_task", new JsonObject().put("task_id", ""));
    calls.put("list_tasks", new JsonObject().put("task_type", "every-" + suffix));
    calls.put("cancel_task", new JsonObject().put("task_id", "").put("reason", "done with it"));
    calls.put("write_handoff", new JsonObject().put("summary", "every tool " + suffix));
    calls.put("read_handoff", new JsonObject());
    calls.put("remember", new JsonObject().put("event_type", "every").put("summary", "every tool " + suffix));
    calls.put("recall", new JsonObject().put("event_type", "every"));
    calls.put("heartbeat", new JsonObject().put("current_task", "trying every tool"));
    calls.put("discover_agents", new JsonObject().put("status", "active"));
    calls.put("get_my_profile", new JsonObject());
    calls.put("check_policy", new JsonObject().put("action", "acquire_lock"));
    calls.put("validate_cedar_policy", new JsonObject().put("policy_text", "permit (principal, action, resource);"));
    calls.put("check_guardrails", new JsonObject().put("text", "ls -la"));
    calls.put("query_audit", new JsonObject().put("limit", 5));
    calls.put("verify_audit", new JsonObject());
    return calls;
  }

  /** Fills in what a call needs from earlier answers (the lock's token, the claimed task). */
  private static JsonObject prepare(String tool, JsonObject arguments, Map<String, String> state) {
    JsonObject ready = arguments.copy();
    if (ready.containsKey("task_id")) {
      ready.put("task_id", state.get(tool.equals("cancel_task") ? "submitted" : "task"));
    }
    if (ready.containsKey("claim_token")) {
      ready.put("claim_token", state.get("claim_token"));
    }
    if (tool.equals("renew_lock") || tool.equals("validate_fencing_token")) {
      ready.put("fencing_token", Long.parseLong(state.get("fencing_token")));
    }
    return ready;
  }

  private static void remember(String tool, JsonObject content, Map<String, String> state) {
    switch (tool) {
      case "acquire_lock" -> state.put("fencing_token", content.getJsonObject("lock").getLong("fencing_token").toString());
      case "get_work" -> {
        state.put("task", content.getJsonObject("task").getString("id"));
        state.put("claim_token", content.getJsonObject("task").getString("claim_token"));
      }
      default -> {
      }
    }
  }

  private void everyTool(String suffix, Map<String, JsonObject> offered, Transport transport) {
    Map<String, String> state = new LinkedHashMap<>();
    Map<String, JsonObject> calls = calls(suffix, state);
    List<String> missing = new ArrayList<>(offered.keySet());
    missing.removeAll(calls.keySet());
    assertEquals(List.of(), missing, "tools without a call in this test");
    for (Map.Entry<String, JsonObject> call : calls.entrySet()) {
      String tool = call.getKey();
      if (tool.equals("cancel_task")) {
        JsonObject submitted = transport.apply("submit_work", new JsonObject().put("task_type", "every-other-" + suffix)
            .put("description", "to cancel")).getJsonObject("structuredContent");
        state.put("submitted", submitted.getJsonObject("task").getString("id"));
      }
      JsonObject result = transport.apply(tool, prepare(tool, call.getValue(), state));
      assertEquals(false, result.getBoolean("isError"), suffix + " " + tool + ": " + result.encode());
      assertNotNull(result.getJsonObject("structuredContent"), tool);
      assertEquals("", SchemaCheck.errors(offered.get(tool), result.getJsonObject("structuredContent")),
          suffix + " " + tool + ": the result does not conform to its outputSchema: " + result.encode());
      remember(tool, result.getJsonObject("structuredContent"), state);
    }
  }

  /** Each offered tool's outputSchema, by name, from a tools/list answer. */
  private static Map<String, JsonObject> outputSchemas(JsonObject listed) {
    Map<String, JsonObject> schemas = new LinkedHashMap<>();
    listed.getJsonObject("result").getJsonArray("tools").forEach(tool ->
        schemas.put(((JsonObject) tool).getString("name"), ((JsonObject) tool).getJsonObject("outputSchema")));
    return schemas;
  }

  @Test
  void everyToolWorksOverStreamableHttp() {
    Http http = service.http();
    String key = service.agent("every-http", "operator", 3);
    String[] accept = {"Accept", "application/json, text/event-stream"};
    Http.Response init = http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 0)
        .put("method", "initialize").put("params", new JsonObject()).encode(), accept);
    String session = init.header("Mcp-Session-Id").orElseThrow();
    int[] ids = {1};
    Transport transport = (tool, arguments) -> http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0")
        .put("id", ids[0]++).put("method", "tools/call").put("params", new JsonObject().put("name", tool)
            .put("arguments", arguments)).encode(), "Accept", accept[1], "Mcp-Session-Id", session).json().getJsonObject("result");
    Map<String, JsonObject> offered = outputSchemas(http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0")
        .put("id", "list").put("method", "tools/list").encode(), "Accept", accept[1], "Mcp-Session-Id", session).json());
    everyTool("http", offered, transport);
  }

  @Test
  void everyToolWorksOverWebSocket() throws Exception {
    McpWebSocketTest.Socket socket = McpWebSocketTest.connect(service.port(), service.agent("every-ws", "operator", 3), "mcp");
    McpWebSocketTest.initialize(socket);
    int[] ids = {1};
    Transport transport = (tool, arguments) -> {
      try {
        return McpWebSocketTest.tool(socket, ids[0]++, tool, arguments);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    };
    Map<String, JsonObject> offered = outputSchemas(socket.call("list", "tools/list", null));
    everyTool("ws", offered, transport);
  }
}
