package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coordinator.mcp.StdioBridge;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a WebSocket MCP session lives on its node; when that node shuts down its client hears
 * "going away" (1001) and connects again to another node. The stdio bridge given several nodes'
 * URLs ({@code COORDINATOR_URL=a,b}) carries on through another node when its node is gone.
 */
@Tag("CLU-4")
class McpNodeLossTest {

  @Test
  void aWebSocketClientConnectsAgainToAnotherNodeWhenItsNodeShutsDown() throws Exception {
    String name = "ws-loss-" + UUID.randomUUID();
    try (TestService first = TestService.start(TestService.clusterFlags(name))) {
      String key = first.agent("ws-roamer", "claude_code", 2);
      McpAcrossNodesTest.Socket socket;
      try (TestService second = first.another(TestService.clusterFlags(name))) {
        socket = McpAcrossNodesTest.Socket.connect(second, key);
        assertEquals("2025-11-25", socket.initialize().getJsonObject("result").getString("protocolVersion"));
        JsonObject acquired = socket.call(1, "tools/call", new JsonObject().put("name", "acquire_lock")
            .put("arguments", new JsonObject().put("key", "src/ws-roamer.py")));
        assertFalse(acquired.getJsonObject("result").getBoolean("isError"), acquired::encode);
        second.stopService();
        assertEquals(1001, socket.closed.get(60, TimeUnit.SECONDS),
            "going away: the node shuts down, the client connects again (elsewhere)");
      }
      McpAcrossNodesTest.Socket again = McpAcrossNodesTest.Socket.connect(first, key);
      assertEquals("2025-11-25", again.initialize().getJsonObject("result").getString("protocolVersion"));
      JsonObject profile = again.call(1, "tools/call", new JsonObject().put("name", "get_my_profile")
          .put("arguments", new JsonObject()));
      assertFalse(profile.getJsonObject("result").getBoolean("isError"), profile::encode);
      Await.until("the closed socket gave its place back", () -> ((Number) first.database().value(
          "SELECT count(*) FROM mcp_sessions WHERE agent = 'ws-roamer'")).longValue() == 1);
      again.close();
    }
  }

  /** stdin as the bridge reads it: the lines the test hands over, one at a time; null ends it. */
  private static final class Stdin extends BufferedReader {
    private static final String END = "\u0000end";
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Stdin() {
      super(new StringReader(""));
    }

    @Override
    public String readLine() {
      try {
        String line = lines.take();
        return line.equals(END) ? null : line;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  private static String acquire(int id, String lockKey) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call").put("params",
        new JsonObject().put("name", "acquire_lock").put("arguments", new JsonObject().put("key", lockKey))).encode();
  }

  @Test
  void theStdioBridgeCarriesOnThroughAnotherNodeWhenItsNodeIsGone() throws Exception {
    String name = "stdio-loss-" + UUID.randomUUID();
    try (TestService first = TestService.start(TestService.clusterFlags(name))) {
      String key = first.agent("stdio-roamer", "claude_code", 2);
      Stdin stdin = new Stdin();
      PipedInputStream piped = new PipedInputStream(1 << 16);
      PrintStream stdout = new PrintStream(new PipedOutputStream(piped), true, StandardCharsets.UTF_8);
      BufferedReader answers = new BufferedReader(new InputStreamReader(piped, StandardCharsets.UTF_8));
      CompletableFuture<Void> relay;
      try (TestService second = first.another(TestService.clusterFlags(name))) {
        StdioBridge bridge = new StdioBridge(StdioBridge.endpoints("http://127.0.0.1:" + second.config().httpPort()
            + ", http://127.0.0.1:" + first.config().httpPort() + "/"), key, stdout);
        relay = CompletableFuture.runAsync(() -> {
          try {
            bridge.relay(stdin);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
            .put("params", new JsonObject().put("protocolVersion", "2025-11-25")).encode());
        assertEquals("2025-11-25", new JsonObject(answers.readLine()).getJsonObject("result").getString("protocolVersion"));
        stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode());
        stdin.lines.add(acquire(2, "src/stdio-before.py"));
        JsonObject before = new JsonObject(answers.readLine()).getJsonObject("result");
        assertFalse(before.getBoolean("isError"), before::encode);
        assertEquals(1L, first.database().value("SELECT count(*) FROM mcp_sessions WHERE agent = 'stdio-roamer'"));
      }

      stdin.lines.add(acquire(3, "src/stdio-after.py"));
      JsonObject after = new JsonObject(answers.readLine()).getJsonObject("result");
      assertFalse(after.getBoolean("isError"), "answered by the node still up: " + after.encode());
      assertEquals(1L, first.database().value("SELECT count(*) FROM mcp_sessions WHERE agent = 'stdio-roamer'"),
          "the same session, served by the other node");
      stdin.lines.add(Stdin.END);
      relay.get(30, TimeUnit.SECONDS);
      assertEquals(0L, first.database().value("SELECT count(*) FROM mcp_sessions WHERE agent = 'stdio-roamer'"),
          "the bridge ended its session on the node still up");
    }
  }
}
