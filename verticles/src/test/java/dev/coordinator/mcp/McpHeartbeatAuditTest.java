package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-3, AUD-1: the keep-alive an MCP connection sends for its own coordinator session only
 * moves {@code last_heartbeat} and is not audited one by one (a socket held open for a day
 * would write thousands of rows); a heartbeat an agent asks for (the {@code heartbeat} tool,
 * {@code POST /v1/sessions/{id}/heartbeat}) is a mutation with its audit row.
 */
@Tag("HARD-3")
@Tag("AUD-1")
class McpHeartbeatAuditTest {
  /** Connections heartbeat every third of the timeout, but at most once a second. */
  @RegisterExtension
  static final RunningService service = new RunningService("--session-timeout", "5", "--sweep-interval", "100");

  private static long heartbeatRows(String agent) {
    return ((Number) service.database().value("SELECT count(*) FROM audit_log WHERE agent = ? AND action = 'heartbeat'",
        agent)).longValue();
  }

  private static Object lastHeartbeat(String agent) {
    return service.database().value("SELECT max(last_heartbeat) FROM sessions WHERE agent = ? AND status = 'active'", agent);
  }

  /** Waits until the agent's session was heartbeaten {@code times} times, doing {@code poke} between looks. */
  private static void awaitHeartbeats(String agent, int times, Runnable poke) {
    Set<Object> seen = new HashSet<>();
    Await.until(times + " heartbeats of " + agent, () -> {
      seen.add(lastHeartbeat(agent));
      poke.run();
      return seen.size() > times;
    });
  }

  @Test
  void aWebSocketsKeepAlivesAreNotAuditedOneByOne() throws Exception {
    String key = service.agent("ws-beater", "claude_code", 2);
    McpWebSocketTest.Socket socket = McpWebSocketTest.connect(service.port(), key, "mcp");
    McpWebSocketTest.initialize(socket);
    awaitHeartbeats("ws-beater", 3, () -> { });
    assertEquals(0, heartbeatRows("ws-beater"), "the socket's keep-alives wrote no audit rows");

    JsonObject beat = McpWebSocketTest.tool(socket, 1, "heartbeat", new JsonObject().put("current_task", "auditing"));
    assertEquals(false, beat.getBoolean("isError"), beat::encode);
    assertEquals(1, heartbeatRows("ws-beater"), "an explicit heartbeat is audited");
    socket.webSocket.sendClose(1000, "done").join();
  }

  @Test
  void streamableHttpKeepAlivesAreNotAuditedOneByOne() {
    String key = service.agent("http-beater", "claude_code", 2);
    Http http = service.http();
    Http.Response init = http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 1)
        .put("method", "initialize").put("params", new JsonObject()).encode(), "Accept", "application/json, text/event-stream");
    String session = init.header("Mcp-Session-Id").orElseThrow();
    String ping = new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "ping").encode();
    awaitHeartbeats("http-beater", 2, () -> assertEquals(200, http.send("POST", "/mcp", key, ping,
        "Accept", "application/json, text/event-stream", "Mcp-Session-Id", session).status()));
    assertEquals(0, heartbeatRows("http-beater"), "requests keep the session alive without audit rows");

    String sessionId = (String) service.database().value(
        "SELECT id::text FROM sessions WHERE agent = 'http-beater' AND status = 'active'");
    assertEquals(200, http.post("/v1/sessions/" + sessionId + "/heartbeat", key, new JsonObject()).status());
    assertEquals(1, heartbeatRows("http-beater"), "a REST heartbeat is audited");
  }
}
