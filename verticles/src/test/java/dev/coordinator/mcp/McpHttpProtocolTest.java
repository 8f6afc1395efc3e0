package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streamable HTTP protocol edges with a raw HTTP client (issue 6 items 1, 4, 5, 6). */
class McpHttpProtocolTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
  }

  private static Http.Response post(String key, String session, String body, String... extra) {
    List<String> headers = new ArrayList<>(List.of("Accept", "application/json, text/event-stream"));
    if (session != null) {
      headers.addAll(List.of("Mcp-Session-Id", session));
    }
    headers.addAll(List.of(extra));
    return http.send("POST", "/mcp", key, body, headers.toArray(String[]::new));
  }

  private static String initialize(String key) {
    Http.Response response = post(key, null, new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1"))).encode());
    assertEquals(200, response.status(), response::toString);
    assertEquals("2025-06-18", response.json().getJsonObject("result").getString("protocolVersion"));
    String session = response.header("Mcp-Session-Id").orElseThrow();
    assertTrue(session.matches("[0-9a-f]{32}"), "128 random bits: " + session);
    return session;
  }

  private static String request(Object id, String method) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).encode();
  }

  @Test
  void initializeNegotiatesAndDescribesTheServer() {
    Http.Response response = post(alice, null, new JsonObject().put("jsonrpc", "2.0").put("id", "init").put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "1999-01-01")).encode());
    JsonObject result = response.json().getJsonObject("result");
    assertEquals("init", response.json().getValue("id"));
    assertEquals("2025-11-25", result.getString("protocolVersion"), "an unknown version gets the preferred one");
    assertEquals("coordinator", result.getJsonObject("serverInfo").getString("name"));
    assertTrue(result.getJsonObject("capabilities").containsKey("tools"));
    assertTrue(result.getString("instructions").contains("fencing_token"));
  }

  @Test
  void idsAreEchoedExactlyAndNotificationsAreNotAnswered() {
    String session = initialize(alice);
    assertEquals(7, post(alice, session, request(7, "ping")).json().getValue("id"));
    assertEquals("seven", post(alice, session, request("seven", "ping")).json().getValue("id"));
    assertEquals(7.5, post(alice, session, request(7.5, "ping")).json().getValue("id"));
    Http.Response notification = post(alice, session,
        new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode());
    assertEquals(202, notification.status());
    assertTrue(notification.text().isEmpty(), "no body for a notification");
    Http.Response clientResponse = post(alice, session, new JsonObject().put("jsonrpc", "2.0").put("id", 3)
        .put("result", new JsonObject()).encode());
    assertEquals(202, clientResponse.status());
  }

  @Test
  void malformedMessagesGetTheirJsonRpcErrors() {
    String session = initialize(alice);
    Http.Response garbage = post(alice, session, "{\"jsonrpc\": ");
    assertEquals(400, garbage.status());
    assertEquals(-32700, garbage.json().getJsonObject("error").getInteger("code"));
    assertTrue(garbage.json().containsKey("id") && garbage.json().getValue("id") == null, "-32700 carries id null");
    Http.Response batch = post(alice, session, "[" + request(1, "ping") + "]");
    assertEquals(400, batch.status());
    assertEquals(-32600, batch.json().getJsonObject("error").getInteger("code"));
    assertEquals(-32600, post(alice, session, "{\"jsonrpc\": \"1.0\", \"id\": 1, \"method\": \"ping\"}").json()
        .getJsonObject("error").getInteger("code"));
    assertEquals(-32601, post(alice, session, request(2, "no/such/method")).json().getJsonObject("error").getInteger("code"));
    JsonObject unknownTool = post(alice, session, new JsonObject().put("jsonrpc", "2.0").put("id", 3).put("method", "tools/call")
        .put("params", new JsonObject().put("name", "format_disk")).encode()).json();
    assertEquals(-32602, unknownTool.getJsonObject("error").getInteger("code"));
    assertFalse(unknownTool.encode().contains("Exception"));
    JsonObject again = post(alice, session, new JsonObject().put("jsonrpc", "2.0").put("id", 4).put("method", "initialize")
        .put("params", new JsonObject()).encode()).json();
    assertEquals(-32600, again.getJsonObject("error").getInteger("code"), "a second initialize is an error");
  }

  @Test
  void sessionsAreRequiredAndBoundToTheirKey() {
    String session = initialize(alice);
    assertEquals(400, post(alice, null, request(1, "ping")).status(), "no session header");
    assertEquals(404, post(alice, "0123456789abcdef0123456789abcdef", request(1, "ping")).status(), "unknown session");
    assertEquals(404, post(bob, session, request(1, "ping")).status(), "alice's session used with bob's key");
    assertEquals(401, post(null, session, request(1, "ping")).status(), "a session id never authenticates");
    assertEquals(204, http.send("DELETE", "/mcp", alice, null, "Mcp-Session-Id", session).status());
    assertEquals(404, post(alice, session, request(1, "ping")).status(), "a deleted session is gone");
  }

  @Test
  void transportRulesAndTheModernProbe() {
    Http.Response probe = post(alice, null, request(1, "server/discover"), "MCP-Protocol-Version", "2026-07-28");
    assertEquals(400, probe.status(), "newer clients fall back to initialize: " + probe);
    assertTrue(probe.json().containsKey("error"));
    assertEquals(405, http.send("GET", "/mcp", alice, null).status());
    assertEquals(406, http.send("POST", "/mcp", alice, request(1, "ping"), "Accept", "text/html").status());
    assertEquals(403, post(alice, null, request(1, "ping"), "Host", "evil.example").status());
    assertEquals(403, post(alice, null, request(1, "ping"), "Origin", "https://evil.example").status());
    Http.Response noKey = post(null, null, request(1, "ping"));
    assertEquals(401, noKey.status());
    assertTrue(noKey.header("WWW-Authenticate").isPresent());
    String session = initialize(alice);
    assertEquals(200, post(alice, session, request(1, "ping"), "Content-Type", "application/json; charset=utf-8").status());
    assertNull(post(alice, session, request(1, "tools/list")).json().getValue("error"));
  }

  @Test
  void aCancelledWaitStopsWaiting() throws Exception {
    String holder = service.agent("http-holder", "claude_code", 2);
    http.post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/http-cancel.py"));
    String session = initialize(alice);
    var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> post(alice, session, new JsonObject()
        .put("jsonrpc", "2.0").put("id", 5).put("method", "tools/call").put("params", new JsonObject()
            .put("name", "acquire_lock").put("arguments", new JsonObject().put("key", "src/http-cancel.py").put("wait_ms", 60_000)))
        .encode()));
    Await.gauge(http, "coordinator_waiting_acquires", 1);
    assertEquals(202, post(alice, session, new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/cancelled")
        .put("params", new JsonObject().put("requestId", 5)).encode()).status());
    // Answered within 30 s although it asked to wait 60 s: the cancellation ended the wait.
    JsonObject answer = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS).json();
    assertEquals("LOCK_HELD", answer.getJsonObject("result").getJsonObject("structuredContent").getJsonObject("error")
        .getString("code"));
    // With no wait left on the node, nothing can take the lock the holder now lets go.
    Await.gauge(http, "coordinator_waiting_acquires", 0);
    http.post("/v1/locks/release", holder, new JsonObject().put("key", "src/http-cancel.py"));
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = 'src/http-cancel.py' AND expires_at > now()"));
  }
}
