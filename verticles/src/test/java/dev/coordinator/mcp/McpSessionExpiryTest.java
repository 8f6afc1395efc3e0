package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.Scrape;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-3 and MCP Session Management (2025-11-25 transports): a Streamable HTTP session whose
 * coordinator session ended or was reaped answers 404 (so clients initialize again), idle
 * sessions are forgotten, and an agent's MCP connections on a node are capped.
 */
@Tag("HARD-3")
class McpSessionExpiryTest {
  private static final int TIMEOUT_SECONDS = 2;

  @RegisterExtension
  static final RunningService service = new RunningService("--session-timeout", String.valueOf(TIMEOUT_SECONDS),
      "--sweep-interval", "100");

  private static Http.Response post(String key, String session, JsonObject body) {
    List<String> headers = new ArrayList<>(List.of("Accept", "application/json, text/event-stream"));
    if (session != null) {
      headers.addAll(List.of("Mcp-Session-Id", session));
    }
    return service.http().send("POST", "/mcp", key, body.encode(), headers.toArray(String[]::new));
  }

  private static Http.Response initialize(String key) {
    return post(key, null, new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-11-25")));
  }

  private static String open(String key) {
    Http.Response response = initialize(key);
    assertEquals(200, response.status(), response::toString);
    return response.header("Mcp-Session-Id").orElseThrow();
  }

  private static Http.Response tool(String key, String session, String name, JsonObject arguments) {
    return post(key, session, new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "tools/call")
        .put("params", new JsonObject().put("name", name).put("arguments", arguments)));
  }

  /** The coordinator session behind an MCP session, learnt from a lock taken in it. */
  private static String coordinatorSession(String key, String session, String lockKey) {
    Http.Response acquired = tool(key, session, "acquire_lock", new JsonObject().put("key", lockKey));
    assertEquals(200, acquired.status(), acquired::toString);
    return acquired.json().getJsonObject("result").getJsonObject("structuredContent").getJsonObject("lock")
        .getString("session_id");
  }

  private static String status(String coordinatorSession) {
    return (String) service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", coordinatorSession);
  }

  private static long openMcpSessions() {
    return (long) Scrape.of(service.http()).value("coordinator_mcp_sessions");
  }


  private static void assertEnded(Http.Response response) {
    assertEquals(404, response.status(), "an ended session is 404, so the client initializes again: " + response);
    assertEquals(-32600, response.json().getJsonObject("error").getInteger("code"), response::toString);
  }

  @Test
  void aReapedSessionAnswers404AndANewInitializeWorks() throws InterruptedException {
    String key = service.agent("reaped", "claude_code", 2);
    String session = open(key);
    String coordinator = coordinatorSession(key, session, "src/reaped.py");
    Await.until("the silent session is reaped", () -> "reaped".equals(status(coordinator)));

    assertEnded(tool(key, session, "get_my_profile", new JsonObject()));
    assertEnded(tool(key, session, "get_my_profile", new JsonObject()));

    String again = open(key);
    Http.Response acquired = tool(key, again, "acquire_lock", new JsonObject().put("key", "src/reaped.py"));
    assertEquals(false, acquired.json().getJsonObject("result").getBoolean("isError"), acquired::toString);
  }

  @Test
  void aSessionEndedElsewhereAnswers404AtOnce() {
    String key = service.agent("ended-elsewhere", "claude_code", 2);
    String session = open(key);
    String coordinator = coordinatorSession(key, session, "src/ended-elsewhere.py");
    assertEquals(200, service.http().send("DELETE", "/v1/sessions/" + coordinator, key, null).status());

    assertEnded(tool(key, session, "acquire_lock", new JsonObject().put("key", "src/ended-elsewhere.py")));
    assertEquals(200, initialize(key).status(), "the client can start over");
  }

  @Test
  void aWebSocketWhoseSessionEndedIsClosed() throws Exception {
    String key = service.agent("ws-ended", "claude_code", 2);
    McpWebSocketTest.Socket socket = McpWebSocketTest.connect(service.port(), key, "mcp");
    McpWebSocketTest.initialize(socket);
    JsonObject acquired = McpWebSocketTest.tool(socket, 1, "acquire_lock", new JsonObject().put("key", "src/ws-ended.py"));
    String coordinator = acquired.getJsonObject("structuredContent").getJsonObject("lock").getString("session_id");
    assertEquals(200, service.http().send("DELETE", "/v1/sessions/" + coordinator, key, null).status());
    assertEquals(4404, socket.closed.get(60, java.util.concurrent.TimeUnit.SECONDS),
        "the socket is the session: once its coordinator session ended it closes, and the client connects again");
  }

  @Test
  void idleSessionsAreForgotten() throws InterruptedException {
    String reader = service.agent("idle-reader", "claude_code", 1);
    String writer = service.agent("idle-writer", "claude_code", 2);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sessions.add(open(reader));
      sessions.add(open(writer));
    }
    assertTrue(openMcpSessions() >= sessions.size(), "the gauge counts the sessions just opened");

    Await.until("every idle session is forgotten", () -> openMcpSessions() == 0);
    assertEnded(tool(reader, sessions.get(0), "get_my_profile", new JsonObject()));
    assertEnded(tool(writer, sessions.get(1), "get_my_profile", new JsonObject()));
  }

  @Test
  void theJavaSdkClientInitializesAgainAfter404() throws InterruptedException {
    String key = service.agent("sdk-reaped", "claude_code", 2);
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("http://127.0.0.1:" + service.port()).endpoint("/mcp")
        .httpRequestCustomizer((request, method, uri, body, context) -> request.header("Authorization", "Bearer " + key))
        .build();
    try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
      client.initialize();
      McpSchema.CallToolResult first = client.callTool(new McpSchema.CallToolRequest("acquire_lock", Map.of("key", "src/sdk.py")));
      assertFalse(Boolean.TRUE.equals(first.isError()), first.toString());
      String coordinator = (String) ((Map<?, ?>) ((Map<?, ?>) first.structuredContent()).get("lock")).get("session_id");
      Await.until("the SDK client's silent session is reaped", () -> "reaped".equals(status(coordinator)));

      McpSchema.CallToolRequest again = new McpSchema.CallToolRequest("acquire_lock", Map.of("key", "src/sdk.py"));
      RuntimeException terminated = assertThrows(RuntimeException.class, () -> client.callTool(again),
          "the SDK reports the 404 to the call that met it");
      assertTrue(String.valueOf(terminated.getMessage()).contains("terminated"), terminated.toString());
      McpSchema.CallToolResult later = client.callTool(again);
      assertFalse(Boolean.TRUE.equals(later.isError()), "then the SDK initialized a new session by itself: " + later);
    }
  }
}
