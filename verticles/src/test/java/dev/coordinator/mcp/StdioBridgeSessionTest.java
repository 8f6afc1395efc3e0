package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stdio client behind {@code mcp-stdio} never sees HTTP sessions, so when the service ends the
 * session (reaped after a silence, 404), the bridge initializes again for it and the client's
 * next call just works.
 */
class StdioBridgeSessionTest {
  static final String END = "\u0000end";

  @RegisterExtension
  static final RunningService service = new RunningService("--session-timeout", "2", "--sweep-interval", "100");

  /** stdin as the bridge reads it: the lines the test hands over, one at a time. */
  static final class Stdin extends BufferedReader {
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

  private static JsonObject acquire(int id) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call").put("params",
        new JsonObject().put("name", "acquire_lock").put("arguments", new JsonObject().put("key", "src/stdio-reaped.py")));
  }

  @Test
  void theBridgeInitializesAgainWhenTheServiceEndedTheSession() throws Exception {
    String key = service.agent("stdio-reaped", "claude_code", 2);
    Stdin stdin = new Stdin();
    PipedInputStream piped = new PipedInputStream(1 << 16);
    PrintStream stdout = new PrintStream(new PipedOutputStream(piped), true, StandardCharsets.UTF_8);
    BufferedReader answers = new BufferedReader(new InputStreamReader(piped, StandardCharsets.UTF_8));
    StdioBridge bridge = new StdioBridge(java.util.List.of(URI.create("http://127.0.0.1:" + service.port() + "/mcp")), key, stdout);
    Thread relay = new Thread(() -> {
      try {
        bridge.relay(stdin);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    relay.start();

    stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-11-25")).encode());
    assertEquals("2025-11-25", new JsonObject(answers.readLine()).getJsonObject("result").getString("protocolVersion"));
    stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode());
    stdin.lines.add(acquire(2).encode());
    String first = new JsonObject(answers.readLine()).getJsonObject("result").getJsonObject("structuredContent")
        .getJsonObject("lock").getString("session_id");

    Await.until("the silent session is reaped",
        () -> "reaped".equals(service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", first)));

    stdin.lines.add(acquire(3).encode());
    JsonObject again = new JsonObject(answers.readLine());
    assertEquals(3, again.getInteger("id"), again::encode);
    JsonObject result = again.getJsonObject("result");
    assertTrue(result != null && !result.getBoolean("isError"), "the call ran in a new session: " + again.encode());
    assertNotEquals(first, result.getJsonObject("structuredContent").getJsonObject("lock").getString("session_id"));

    stdin.lines.add(END);
    relay.join(30_000);
  }
}
