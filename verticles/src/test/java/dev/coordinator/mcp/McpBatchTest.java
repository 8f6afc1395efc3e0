package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * JSON-RPC batches: MCP 2025-03-26 requires servers to accept them, 2025-06-18 removed them. A
 * session's negotiated version decides; a batch is bounded (32 messages).
 */
class McpBatchTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static String key;

  @BeforeAll
  static void agent() {
    key = service.agent("batcher", "claude_code", 2);
  }

  private static Http.Response post(String session, String body) {
    return session == null
        ? service.http().send("POST", "/mcp", key, body, "Accept", "application/json, text/event-stream")
        : service.http().send("POST", "/mcp", key, body, "Accept", "application/json, text/event-stream",
            "Mcp-Session-Id", session);
  }

  private static String open(String version) {
    Http.Response response = post(null, new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", version)).encode());
    assertEquals(version, response.json().getJsonObject("result").getString("protocolVersion"), response::toString);
    return response.header("Mcp-Session-Id").orElseThrow();
  }

  private static JsonObject request(Object id, String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params);
  }

  private static JsonObject acquire(Object id, String lockKey) {
    return request(id, "tools/call", new JsonObject().put("name", "acquire_lock")
        .put("arguments", new JsonObject().put("key", lockKey)));
  }

  private static JsonObject notification(String method) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", method);
  }

  /** The answers of a batch by id (JSON-RPC lets them come in any order). */
  private static Map<Object, JsonObject> byId(JsonArray answers) {
    Map<Object, JsonObject> byId = new HashMap<>();
    for (int i = 0; i < answers.size(); i++) {
      byId.put(answers.getJsonObject(i).getValue("id"), answers.getJsonObject(i));
    }
    assertEquals(answers.size(), byId.size(), "one answer per request: " + answers.encode());
    return byId;
  }

  private static void assertInvalidRequest(Http.Response response, String why) {
    assertEquals(400, response.status(), why + ": " + response);
    assertEquals(-32600, response.json().getJsonObject("error").getInteger("code"), response::toString);
  }

  @Test
  void aSessionOn20250326TakesBatches() {
    String session = open("2025-03-26");
    JsonArray batch = new JsonArray()
        .add(request(1, "ping", null))
        .add(acquire("two", "src/batch-a.py"))
        .add(notification("notifications/initialized"))
        .add(acquire(3, "src/batch-b.py"))
        .add(new JsonObject().put("jsonrpc", "1.0").put("id", 4).put("method", "ping"))
        .add("not a message");
    Http.Response response = post(session, batch.encode());
    assertEquals(200, response.status(), response::toString);
    JsonArray answers = new JsonArray(response.text());
    assertEquals(5, answers.size(), "every request and every invalid entry, no notification: " + answers.encode());
    Map<Object, JsonObject> byId = byId(answers);
    assertEquals(new JsonObject(), byId.get(1).getJsonObject("result"));
    for (Object id : new Object[] {"two", 3}) {
      JsonObject result = byId.get(id).getJsonObject("result");
      assertEquals(false, result.getBoolean("isError"), result::encode);
      assertEquals("acquired", result.getJsonObject("structuredContent").getString("action"));
    }
    assertEquals(-32600, byId.get(4).getJsonObject("error").getInteger("code"));
    assertEquals(-32600, byId.get(null).getJsonObject("error").getInteger("code"));
    assertEquals(2L, service.database().value("SELECT count(*) FROM locks WHERE holder = 'batcher'"
        + " AND key IN ('src/batch-a.py', 'src/batch-b.py')"), "both tool calls of the batch acted");

    Http.Response notifications = post(session, new JsonArray().add(notification("notifications/initialized"))
        .add(new JsonObject().put("jsonrpc", "2.0").put("id", 99).put("result", new JsonObject())).encode());
    assertEquals(202, notifications.status(), "nothing to answer: " + notifications);
    assertEquals("", notifications.text());
  }

  @Test
  void batchesAreBounded() {
    String session = open("2025-03-26");
    assertInvalidRequest(post(session, "[]"), "an empty batch");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 33; i++) {
      tooMany.add(request(i, "ping", null));
    }
    Http.Response refused = post(session, tooMany.encode());
    assertInvalidRequest(refused, "33 messages");
    assertTrue(refused.json().getJsonObject("error").getString("message").contains("32"), refused::toString);
    tooMany.remove(32);
    assertEquals(32, new JsonArray(post(session, tooMany.encode()).text()).size(), "32 is fine");
  }

  @Test
  void laterVersionsRefuseBatches() {
    for (String version : new String[] {"2025-06-18", "2025-11-25"}) {
      assertInvalidRequest(post(open(version), new JsonArray().add(request(1, "ping", null)).encode()), version);
    }
    assertInvalidRequest(post(null, new JsonArray().add(request(1, "initialize", new JsonObject()
        .put("protocolVersion", "2025-03-26"))).encode()), "initialize cannot come in a batch");
  }

  @Test
  void aWebSocketOn20250326TakesBatchesToo() throws Exception {
    McpWebSocketTest.Socket old = McpWebSocketTest.connect(service.port(), key, "mcp");
    assertEquals("2025-03-26", old.call(0, "initialize", new JsonObject().put("protocolVersion", "2025-03-26"))
        .getJsonObject("result").getString("protocolVersion"));
    old.webSocket.sendText(new JsonArray().add(request(1, "ping", null)).add(notification("notifications/initialized"))
        .add(request(2, "tools/list", null)).encode(), true).join();
    String frame = old.messages.poll(30, TimeUnit.SECONDS);
    Map<Object, JsonObject> byId = byId(new JsonArray(frame));
    assertEquals(2, byId.size());
    assertTrue(byId.get(2).getJsonObject("result").getJsonArray("tools").size() > 20);

    McpWebSocketTest.Socket current = McpWebSocketTest.connect(service.port(), key, "mcp");
    McpWebSocketTest.initialize(current);
    current.webSocket.sendText(new JsonArray().add(request(1, "ping", null)).encode(), true).join();
    assertEquals(-32600, current.next().getJsonObject("error").getInteger("code"), "2025-11-25 has no batches");
    old.webSocket.sendClose(1000, "done").join();
    current.webSocket.sendClose(1000, "done").join();
  }
}
