package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An MCP connection is a coordinator session: what it takes is released when it ends or goes silent (LOCK-4). */
class McpSessionTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--session-timeout", "5", "--sweep-interval", "100");

  private static Object holder(String key) {
    List<java.util.Map<String, Object>> rows = service.database().query("SELECT holder FROM locks WHERE key = ?"
        + " AND expires_at > now()", key);
    return rows.isEmpty() ? null : rows.get(0).get("holder");
  }

  @Test
  void anOpenSocketKeepsItsLocksAndAClosedOneLosesThemAfterTheTimeout() throws Exception {
    String key = service.agent("ws-session", "claude_code", 2);
    McpWebSocketTest.Socket socket = McpWebSocketTest.connect(service.port(), key, "mcp");
    McpWebSocketTest.initialize(socket);
    JsonObject acquired = McpWebSocketTest.tool(socket, 1, "acquire_lock", new JsonObject().put("key", "src/ws-held.py"));
    assertNotNull(acquired.getJsonObject("structuredContent").getJsonObject("lock").getString("session_id"),
        "the lock belongs to the connection's session: " + acquired.encode());
    JsonObject beat = McpWebSocketTest.tool(socket, 2, "heartbeat", new JsonObject().put("current_task", "testing"));
    assertEquals("testing", beat.getJsonObject("structuredContent").getJsonObject("session").getString("current_task"));
    // A silent session opened after the socket's last request: once the reaper has taken it, the
    // socket's session would have been reaped too had its keep-alives stopped.
    String silent = service.http().post("/v1/sessions", service.agent("silent", "claude_code", 2), new JsonObject())
        .json().getJsonObject("session").getString("id");
    Await.until("the silent session is reaped", () -> "reaped".equals(
        service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", silent)));
    assertEquals("ws-session", holder("src/ws-held.py"), "heartbeats keep an open socket's session alive");

    socket.webSocket.sendClose(1000, "done").join();
    Await.until("LOCK-4: the closed socket's session is reaped and its lock released", () -> holder("src/ws-held.py") == null);
  }

  @Test
  void deletingAnHttpSessionReleasesItsLocksAtOnce() {
    Http http = service.http();
    String key = service.agent("http-session", "claude_code", 2);
    Http.Response init = http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 1)
        .put("method", "initialize").put("params", new JsonObject()).encode(), "Accept", "application/json, text/event-stream");
    String session = init.header("Mcp-Session-Id").orElseThrow();
    Http.Response acquired = http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 2)
        .put("method", "tools/call").put("params", new JsonObject().put("name", "acquire_lock")
            .put("arguments", new JsonObject().put("key", "src/http-held.py"))).encode(),
        "Accept", "application/json, text/event-stream", "Mcp-Session-Id", session);
    assertEquals(false, acquired.json().getJsonObject("result").getBoolean("isError"), acquired::toString);
    assertEquals("http-session", holder("src/http-held.py"));
    assertEquals(204, http.send("DELETE", "/mcp", key, null, "Mcp-Session-Id", session).status());
    assertEquals(null, holder("src/http-held.py"), "ending the MCP session ended its coordinator session");
  }
}
