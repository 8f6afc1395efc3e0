package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MCP over WebSocket with the JDK's WebSocket client: handshake rules, frames, the socket as session, races. */
class McpWebSocketTest {
  @RegisterExtension
  static final RunningService service = new RunningService();

  /** One socket and everything the server sent on it. */
  static final class Socket implements WebSocket.Listener {
    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket webSocket;

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    JsonObject call(Object id, String method, JsonObject params) throws InterruptedException {
      webSocket.sendText(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params).encode(), true);
      return next();
    }

    JsonObject next() throws InterruptedException {
      String message = messages.poll(30, TimeUnit.SECONDS);
      assertTrue(message != null, "no answer within 30 s");
      return new JsonObject(message);
    }
  }

  static Socket connect(String key, String... subprotocols) {
    return connect(service.port(), key, subprotocols);
  }

  static Socket connect(int port, String key, String... subprotocols) {
    Socket socket = new Socket();
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
    if (key != null) {
      builder.header("Authorization", "Bearer " + key);
    }
    if (subprotocols.length > 0) {
      builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
    }
    socket.webSocket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/mcp"), socket).join();
    return socket;
  }

  static JsonObject initialize(Socket socket) throws InterruptedException {
    return socket.call(0, "initialize", new JsonObject().put("protocolVersion", "2025-11-25"));
  }

  static JsonObject tool(Socket socket, Object id, String name, JsonObject arguments) throws InterruptedException {
    return socket.call(id, "tools/call", new JsonObject().put("name", name).put("arguments", arguments))
        .getJsonObject("result");
  }

  @Test
  void theSubprotocolIsEchoedWhenOfferedAndNoneIsFine() throws InterruptedException {
    String key = service.agent("ws-echo", "claude_code", 2);
    Socket offered = connect(key, "mcp");
    assertEquals("mcp", offered.webSocket.getSubprotocol());
    assertEquals("2025-11-25", initialize(offered).getJsonObject("result").getString("protocolVersion"));
    Socket plain = connect(key);
    assertEquals("", plain.webSocket.getSubprotocol());
    assertEquals(new JsonObject(), plain.call("p", "ping", null).getJsonObject("result"));
  }

  @Test
  void theKeyIsCheckedBeforeTheUpgrade() {
    CompletionException refused = assertThrows(CompletionException.class, () -> connect(null, "mcp"));
    assertTrue(refused.getCause() instanceof WebSocketHandshakeException, refused.toString());
    assertEquals(401, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
    CompletionException unknown = assertThrows(CompletionException.class, () -> connect("ck_not_a_key_at_all_123", "mcp"));
    assertEquals(401, ((WebSocketHandshakeException) unknown.getCause()).getResponse().statusCode());
  }

  @Test
  void framesAndTheSessionRules() throws Exception {
    Socket socket = connect(service.agent("ws-rules", "claude_code", 2), "mcp");
    assertEquals(-32600, socket.call(1, "tools/list", null).getJsonObject("error").getInteger("code"), "initialize first");
    initialize(socket);
    assertEquals(-32600, initialize(socket).getJsonObject("error").getInteger("code"), "a second initialize is an error");
    socket.webSocket.sendText("{not json", true);
    JsonObject parseError = socket.next();
    assertEquals(-32700, parseError.getJsonObject("error").getInteger("code"));
    assertTrue(parseError.containsKey("id") && parseError.getValue("id") == null);
    socket.webSocket.sendText("[]", true);
    assertEquals(-32600, socket.next().getJsonObject("error").getInteger("code"));
    socket.webSocket.sendText(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode(), true);
    assertEquals("still open", socket.call("still open", "ping", null).getValue("id"), "notifications are not answered");
    JsonArray tools = socket.call(2, "tools/list", null).getJsonObject("result").getJsonArray("tools");
    assertTrue(tools.size() >= 20);
    socket.webSocket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
    assertEquals(1003, socket.closed.get(10, TimeUnit.SECONDS), "a binary frame closes the socket with 1003");
  }

  @Test
  void twoAgentsRacingForOneLockAndOneTaskEachGetOneWinner() throws Exception {
    String first = service.agent("ws-racer-1", "claude_code", 2);
    String second = service.agent("ws-racer-2", "codex", 2);
    service.http().post("/v1/tasks", first, new JsonObject().put("task_type", "ws-race").put("description", "only one"));
    Socket a = connect(first, "mcp");
    Socket b = connect(second, "mcp");
    initialize(a);
    initialize(b);
    JsonObject lock = new JsonObject().put("key", "src/contested.py");
    a.webSocket.sendText(toolCall(1, "acquire_lock", lock), true);
    b.webSocket.sendText(toolCall(1, "acquire_lock", lock), true);
    List<JsonObject> locks = List.of(a.next().getJsonObject("result"), b.next().getJsonObject("result"));
    assertEquals(1, locks.stream().filter(result -> !result.getBoolean("isError")).count(), "one lock winner: " + locks);
    JsonObject claim = new JsonObject().put("task_types", new JsonArray().add("ws-race"));
    a.webSocket.sendText(toolCall(2, "get_work", claim), true);
    b.webSocket.sendText(toolCall(2, "get_work", claim), true);
    List<JsonObject> claims = List.of(a.next().getJsonObject("result"), b.next().getJsonObject("result"));
    assertEquals(1, claims.stream().filter(result -> result.getJsonObject("structuredContent").getValue("task") != null).count(),
        "one claim winner: " + claims);
  }

  @Test
  void aWaitingCallReportsProgressWhenAskedTo() throws Exception {
    String holder = service.agent("ws-holder", "claude_code", 2);
    service.http().post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/progress.py"));
    Socket socket = connect(service.agent("ws-waiter", "claude_code", 2), "mcp");
    initialize(socket);
    socket.webSocket.sendText(new JsonObject().put("jsonrpc", "2.0").put("id", 9).put("method", "tools/call")
        .put("params", new JsonObject().put("name", "acquire_lock").put("_meta", new JsonObject().put("progressToken", "p-1"))
            .put("arguments", new JsonObject().put("key", "src/progress.py").put("wait_ms", 2_500))).encode(), true);
    JsonObject progress = socket.next();
    assertEquals("notifications/progress", progress.getString("method"), progress.encode());
    assertEquals("p-1", progress.getJsonObject("params").getString("progressToken"));
    assertEquals(2_500, progress.getJsonObject("params").getInteger("total"));
    JsonObject answer = socket.next();
    while (answer.containsKey("method")) {
      answer = socket.next();
    }
    assertEquals(9, answer.getValue("id"));
    assertEquals("LOCK_HELD", answer.getJsonObject("result").getJsonObject("structuredContent").getJsonObject("error")
        .getString("code"));
  }

  @Test
  void aCancelledOrAbandonedWaitGivesUpItsPlaceInLine() throws Exception {
    String holder = service.agent("ws-keeper", "claude_code", 2);
    service.http().post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/cancel.py"));
    Socket cancelling = connect(service.agent("ws-canceller", "claude_code", 2), "mcp");
    initialize(cancelling);
    cancelling.webSocket.sendText(toolCall(5, "acquire_lock", new JsonObject().put("key", "src/cancel.py").put("wait_ms", 60_000)), true);
    Socket leaving = connect(service.agent("ws-leaver", "claude_code", 2), "mcp");
    initialize(leaving);
    leaving.webSocket.sendText(toolCall(1, "acquire_lock", new JsonObject().put("key", "src/cancel.py").put("wait_ms", 60_000)), true);
    Await.gauge(service.http(), "coordinator_waiting_acquires", 2);
    cancelling.webSocket.sendText(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/cancelled")
        .put("params", new JsonObject().put("requestId", 5).put("reason", "changed my mind")).encode(), true);
    leaving.webSocket.sendClose(1000, "bye").join();
    assertEquals(6, cancelling.call(6, "ping", null).getValue("id"), "the cancelled request is not answered");
    // Half the waits' own 60 s: they left the line because they were cancelled and abandoned, not because they ran out.
    Await.gauge(service.http(), "coordinator_waiting_acquires", 0, Duration.ofSeconds(30));
    // A later waiter is served at the release only if neither earlier wait is still in line before it.
    String next = service.agent("ws-next", "claude_code", 2);
    CompletableFuture<Http.Response> after = CompletableFuture.supplyAsync(() -> service.http().post("/v1/locks/acquire", next,
        new JsonObject().put("key", "src/cancel.py").put("wait_ms", 30_000)));
    Await.gauge(service.http(), "coordinator_waiting_acquires", 1);
    assertEquals(200, service.http().post("/v1/locks/release", holder, new JsonObject().put("key", "src/cancel.py")).status());
    Http.Response served = after.get(60, TimeUnit.SECONDS);
    assertEquals(200, served.status(), "neither the cancelled nor the abandoned wait took the lock: " + served);
    assertEquals("ws-next", served.json().getJsonObject("lock").getString("holder"));
    assertTrue(cancelling.messages.isEmpty(), "still no answer for the cancelled request: " + cancelling.messages);
  }

  private static String toolCall(Object id, String name, JsonObject arguments) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call")
        .put("params", new JsonObject().put("name", name).put("arguments", arguments)).encode();
  }
}
