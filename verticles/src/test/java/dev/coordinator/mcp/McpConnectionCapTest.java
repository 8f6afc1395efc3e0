package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-3: one agent holds at most 64 MCP connections by default, on all nodes together
 * (Streamable HTTP sessions and WebSockets, each a coordinator session; cluster/McpAcrossNodesTest
 * counts them across two nodes); the next is refused with 429
 * and JSON-RPC error -32000, before a WebSocket upgrade, and nothing is opened.
 */
@Tag("HARD-3")
class McpConnectionCapTest {
  private static final int DEFAULT_CAP = 64;

  @RegisterExtension
  static final RunningService service = new RunningService();

  private static Http.Response initialize(String key) {
    return service.http().send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 0)
        .put("method", "initialize").put("params", new JsonObject().put("protocolVersion", "2025-11-25")).encode(),
        "Accept", "application/json, text/event-stream");
  }

  private static String open(String key) {
    Http.Response response = initialize(key);
    assertEquals(200, response.status(), response::toString);
    return response.header("Mcp-Session-Id").orElseThrow();
  }

  private static long sessionsOf(String agent) {
    return ((Number) service.database().value("SELECT count(*) FROM sessions WHERE agent = ?", agent)).longValue();
  }

  private static void assertRefused(Http.Response refused) {
    assertEquals(429, refused.status(), "one MCP connection too many: " + refused);
    assertEquals(-32000, refused.json().getJsonObject("error").getInteger("code"), refused::toString);
    assertTrue(refused.json().getJsonObject("error").getString("message").contains(String.valueOf(DEFAULT_CAP)),
        refused::toString);
    assertTrue(refused.header("Mcp-Session-Id").isEmpty(), "no session was opened");
  }

  private static int upgradeRefusal(String key) {
    CompletionException refused = assertThrows(CompletionException.class, () -> McpWebSocketTest.connect(service.port(), key, "mcp"));
    return ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode();
  }

  @Test
  void anAgentsMcpConnectionsAreCapped() throws Exception {
    String key = service.agent("capped", "claude_code", 2);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < DEFAULT_CAP - 1; i++) {
      sessions.add(open(key));
    }
    McpWebSocketTest.Socket socket = McpWebSocketTest.connect(service.port(), key, "mcp");
    McpWebSocketTest.initialize(socket);
    long opened = sessionsOf("capped");

    assertRefused(initialize(key));
    assertEquals(429, upgradeRefusal(key), "a WebSocket is refused before the upgrade");
    assertEquals(opened, sessionsOf("capped"), "a refused connection opens no coordinator session");
    open(service.agent("not-capped", "claude_code", 2));

    assertEquals(204, service.http().send("DELETE", "/mcp", key, null, "Mcp-Session-Id", sessions.get(0)).status());
    String reopened = open(key);
    assertRefused(initialize(key));

    assertEquals(204, service.http().send("DELETE", "/mcp", key, null, "Mcp-Session-Id", reopened).status());
    McpWebSocketTest.Socket second = McpWebSocketTest.connect(service.port(), key, "mcp");
    assertEquals(429, upgradeRefusal(key));
    socket.webSocket.sendClose(1000, "done").join();
    socket.closed.get(30, TimeUnit.SECONDS);
    Await.until("a closed socket gives its place back", () -> {
      try {
        McpWebSocketTest.connect(service.port(), key, "mcp");
        return true;
      } catch (CompletionException stillFull) {
        return false;
      }
    });
    second.webSocket.sendClose(1000, "done").join();
  }

  @Test
  void oneAgentCannotHoldThousandsOfWebSockets() throws Exception {
    String key = service.agent("socket-hoarder", "claude_code", 2);
    java.util.List<McpWebSocketTest.Socket> sockets = new ArrayList<>();
    for (int i = 0; i < DEFAULT_CAP; i++) {
      sockets.add(McpWebSocketTest.connect(service.port(), key, "mcp"));
    }
    assertEquals(429, upgradeRefusal(key), "the agent's 65th socket is refused before the upgrade");
    for (McpWebSocketTest.Socket socket : sockets) {
      socket.webSocket.sendClose(1000, "done").join();
    }
  }
}
