package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.Scrape;
import dev.coordinator.testing.TestService;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, CLU-4: any node serves any Streamable HTTP MCP session. Two clustered nodes on one database:
 * a session opened on one is used, cancelled into and ended on the other; the per-agent cap
 * (HARD-3) counts the connections of both; a coordinator session ended anywhere is 404 everywhere.
 */
@Tag("CLU-4")
@Tag("HARD-3")
class McpAcrossNodesTest {
  private static final int CAP = 3;
  private static TestService first;
  private static TestService second;

  @BeforeAll
  static void start() {
    String name = "mcp-" + UUID.randomUUID();
    first = TestService.start(flags(name));
    second = first.another(flags(name));
  }

  private static String[] flags(String name) {
    List<String> flags = new ArrayList<>(List.of(TestService.clusterFlags(name)));
    flags.addAll(List.of("--mcp-sessions-per-agent", String.valueOf(CAP)));
    return flags.toArray(String[]::new);
  }

  @AfterAll
  static void stop() {
    try (TestService closedLast = first) {
      second.close();
    }
  }

  static Http.Response post(TestService node, String key, String session, JsonObject body) {
    List<String> headers = new ArrayList<>(List.of("Accept", "application/json, text/event-stream"));
    if (session != null) {
      headers.addAll(List.of("Mcp-Session-Id", session));
    }
    return node.http().send("POST", "/mcp", key, body.encode(), headers.toArray(String[]::new));
  }

  static Http.Response initialize(TestService node, String key) {
    return post(node, key, null, new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-11-25")));
  }

  static String open(TestService node, String key) {
    Http.Response response = initialize(node, key);
    assertEquals(200, response.status(), response::toString);
    return response.header("Mcp-Session-Id").orElseThrow();
  }

  static Http.Response tool(TestService node, String key, String session, Object id, String name, JsonObject arguments) {
    return post(node, key, session, new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call")
        .put("params", new JsonObject().put("name", name).put("arguments", arguments)));
  }

  /**
   * A ping: answered by the MCP entry itself, never by the policy gate, so only the session store
   * can say the session is gone (the gate would refuse a tool call in an ended coordinator session).
   */
  static Http.Response ping(TestService node, String key, String session) {
    return post(node, key, session, new JsonObject().put("jsonrpc", "2.0").put("id", "p").put("method", "ping"));
  }

  private static JsonObject structured(Http.Response response) {
    assertEquals(200, response.status(), response::toString);
    return response.json().getJsonObject("result").getJsonObject("structuredContent");
  }

  private static void assertGone(Http.Response response) {
    assertEquals(404, response.status(), "the session is gone on this node too: " + response);
    assertEquals(-32600, response.json().getJsonObject("error").getInteger("code"), response::toString);
  }

  private static long waitingAcquires(TestService node) {
    return (long) Scrape.of(node.http()).value("coordinator_waiting_acquires");
  }

  @Test
  void theJavaSdkClientInitializesOnOneNodeAndWorksOnTheOther() {
    String key = first.agent("sdk-roamer", "claude_code", 2);
    AtomicReference<TestService> node = new AtomicReference<>(first);
    AtomicInteger onSecond = new AtomicInteger();
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("http://127.0.0.1:" + first.config().httpPort()).endpoint("/mcp")
        .httpRequestCustomizer((request, method, uri, body, context) -> {
          // As a load balancer without sticky sessions might: each request to whichever node.
          TestService to = node.get();
          if (to == second) {
            onSecond.incrementAndGet();
          }
          request.uri(URI.create("http://127.0.0.1:" + to.config().httpPort() + "/mcp"))
              .header("Authorization", "Bearer " + key);
        })
        .build();
    try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
      client.initialize();
      node.set(second);
      McpSchema.CallToolResult acquired = client.callTool(
          new McpSchema.CallToolRequest("acquire_lock", Map.of("key", "src/roaming.py", "ttl_seconds", 60)));
      assertFalse(Boolean.TRUE.equals(acquired.isError()), acquired.toString());
      JsonObject lock = JsonObject.mapFrom(acquired.structuredContent()).getJsonObject("lock");
      assertEquals("sdk-roamer", lock.getString("holder"));
      McpSchema.CallToolResult checked = client.callTool(
          new McpSchema.CallToolRequest("check_locks", Map.of("keys", List.of("src/roaming.py"))));
      assertEquals(lock.getString("session_id"), JsonObject.mapFrom(checked.structuredContent()).getJsonArray("locks")
          .getJsonObject(0).getString("session_id"), "the session opened on the first node holds the lock");
      assertTrue(onSecond.get() >= 2, "the tool calls went to the second node: " + onSecond.get());
    }
  }

  @Test
  void aSessionDeletedOnOneNodeIsGoneOnTheOther() {
    String key = first.agent("deleter", "claude_code", 2);
    String session = open(first, key);
    String coordinator = structured(tool(second, key, session, 1, "acquire_lock", new JsonObject().put("key", "src/deleted.py")))
        .getJsonObject("lock").getString("session_id");

    assertEquals(200, ping(first, key, session).status(), "both nodes have served the session");

    assertEquals(204, second.http().send("DELETE", "/mcp", key, null, "Mcp-Session-Id", session).status());
    assertGone(ping(first, key, session));
    assertGone(ping(second, key, session));
    assertGone(tool(first, key, session, 2, "get_my_profile", new JsonObject()));
    assertEquals("ended", first.database().value("SELECT status FROM sessions WHERE id = ?::uuid", coordinator),
        "its coordinator session ended with it, so its lock was released");
    assertEquals(404, first.http().send("DELETE", "/mcp", key, null, "Mcp-Session-Id", session).status());
  }

  @Test
  void anEndedCoordinatorSessionIs404OnEveryNode() {
    String key = first.agent("ended-anywhere", "claude_code", 2);
    String session = open(first, key);
    String coordinator = structured(tool(first, key, session, 1, "acquire_lock", new JsonObject().put("key", "src/ended.py")))
        .getJsonObject("lock").getString("session_id");
    assertEquals(200, ping(second, key, session).status(), "both nodes have served the session");
    assertEquals(200, first.http().send("DELETE", "/v1/sessions/" + coordinator, key, null).status());

    assertGone(ping(second, key, session));
    assertGone(ping(first, key, session));
    assertEquals(200, initialize(second, key).status(), "the client starts over, on any node");
  }

  @Test
  void theCapCountsAnAgentsConnectionsOnEveryNode() throws Exception {
    String key = first.agent("capped-everywhere", "claude_code", 2);
    String onFirst = open(first, key);
    open(second, key);
    Socket socket = Socket.connect(second, key);
    assertEquals(CAP, ((Number) first.database().value(
        "SELECT count(*) FROM mcp_sessions WHERE agent = 'capped-everywhere'")).intValue());

    Http.Response refused = initialize(first, key);
    assertEquals(429, refused.status(), "HARD-3: the cap is the agent's, across nodes: " + refused);
    assertEquals(-32000, refused.json().getJsonObject("error").getInteger("code"), refused::toString);
    assertEquals(429, upgradeRefusal(first, key), "a WebSocket on the other node is refused too");
    open(first, first.agent("not-capped-everywhere", "claude_code", 2));

    assertEquals(204, second.http().send("DELETE", "/mcp", key, null, "Mcp-Session-Id", onFirst).status());
    String reopened = open(first, key);
    assertEquals(429, initialize(second, key).status());

    socket.close();
    Await.until("the closed socket's place comes back", () -> initialize(first, key).status() == 200);
    assertEquals(204, first.http().send("DELETE", "/mcp", key, null, "Mcp-Session-Id", reopened).status());
  }

  @Test
  void aCancellationSentToOneNodeStopsAWaitOnTheOther() throws Exception {
    String holder = first.agent("cancel-holder", "claude_code", 2);
    assertEquals(200, first.http().post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/cancelled.py")).status());
    String key = first.agent("cancel-waiter", "claude_code", 2);
    String session = open(first, key);
    long waitingBefore = waitingAcquires(first);
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> tool(first, key, session, 5,
        "acquire_lock", new JsonObject().put("key", "src/cancelled.py").put("wait_ms", 60_000)));
    Await.until("the acquire waits in line on the first node", () -> waitingAcquires(first) > waitingBefore);

    Http.Response cancel = post(second, key, session, new JsonObject().put("jsonrpc", "2.0")
        .put("method", "notifications/cancelled").put("params", new JsonObject().put("requestId", 5)));
    assertEquals(202, cancel.status(), cancel::toString);
    // Answered well before its 60 s wait: the cancellation reached the node that runs it.
    JsonObject answer = structured(waiting.get(30, TimeUnit.SECONDS));
    assertEquals("LOCK_HELD", answer.getJsonObject("error").getString("code"), answer::encode);
  }

  /** The HTTP status of a refused WebSocket upgrade. */
  static int upgradeRefusal(TestService node, String key) throws Exception {
    try {
      Socket.connect(node, key).close();
    } catch (CompletionException refused) {
      return ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode();
    }
    throw new AssertionError("the upgrade was accepted");
  }

  /** An MCP WebSocket client: the messages it got and the close code it saw. */
  static final class Socket implements WebSocket.Listener {
    final java.util.concurrent.LinkedBlockingQueue<JsonObject> messages = new java.util.concurrent.LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket webSocket;

    static Socket connect(TestService node, String key) {
      Socket socket = new Socket();
      socket.webSocket = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + key)
          .subprotocols("mcp").buildAsync(URI.create("ws://127.0.0.1:" + node.config().httpPort() + "/mcp"), socket)
          .join();
      return socket;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(new JsonObject(partial.toString()));
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

    @Override
    public void onError(WebSocket socket, Throwable error) {
      closed.complete(1006);
    }

    /** Sends a request and returns its answer (notifications in between are skipped). */
    JsonObject call(Object id, String method, JsonObject params) throws InterruptedException {
      webSocket.sendText(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method)
          .put("params", params).encode(), true).join();
      while (true) {
        JsonObject message = messages.poll(30, TimeUnit.SECONDS);
        if (message == null) {
          throw new AssertionError("no answer to " + method);
        }
        if (id.equals(message.getValue("id"))) {
          return message;
        }
      }
    }

    JsonObject initialize() throws InterruptedException {
      return call(0, "initialize", new JsonObject().put("protocolVersion", "2025-11-25"));
    }

    void close() throws Exception {
      webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
      closed.get(30, TimeUnit.SECONDS);
    }
  }
}
