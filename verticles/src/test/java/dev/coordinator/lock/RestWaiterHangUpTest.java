package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.Scrape;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * LOCK-5 (issue 11, item 16): a REST client that hangs up while its acquire waits leaves the line,
 * so the next waiter is served when the lock comes free instead of waiting behind a ghost.
 */
class RestWaiterHangUpTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String holder;
  private static String ghostKey;
  private static String next;
  private static final int GHOST_WAIT_MS = 60_000;

  @BeforeAll
  static void agents() {
    http = service.http();
    holder = service.agent("holder", "claude_code", 2);
    ghostKey = service.agent("ghost", "claude_code", 2);
    next = service.agent("next", "claude_code", 2);
  }

  @Test
  void aWaiterWhoseClientHungUpLeavesTheLine() throws Exception {
    String key = "src/hang-up.py";
    assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", key).put("ttl_seconds", 600)).status());

    String body = new JsonObject().put("key", key).put("wait_ms", GHOST_WAIT_MS).put("ttl_seconds", 600).encode();
    try (Socket ghost = new Socket("127.0.0.1", service.port())) {
      OutputStream out = ghost.getOutputStream();
      out.write(("POST /v1/locks/acquire HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ghostKey
          + "\r\nContent-Type: application/json\r\nContent-Length: "
          + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      out.flush();
      awaitWaitingAcquires("the ghost's acquire is in line", 1);
    }
    awaitWaitingAcquires("the hang-up takes the ghost's acquire out of line", 0);

    CompletableFuture<Http.Response> nextWaits = CompletableFuture.supplyAsync(() ->
        http.post("/v1/locks/acquire", next, new JsonObject().put("key", key).put("wait_ms", 30_000).put("ttl_seconds", 600)));
    awaitWaitingAcquires("the next agent is in line", 1);
    assertEquals(200, http.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());

    Http.Response granted = nextWaits.get(60, TimeUnit.SECONDS);
    assertEquals(200, granted.status(), granted::toString);
    assertEquals("next", granted.json().getJsonObject("lock").getString("holder"),
        "the lock goes to the waiter still on the line, not to the one that hung up");
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE holder = 'ghost'"));
  }

  /**
   * Waits until the node's waiting acquires (its metrics gauge) are {@code count}: the event is not
   * told otherwise. Half the ghost's own wait, so its running out cannot pass for a cancel.
   */
  private static void awaitWaitingAcquires(String what, long count) {
    Await.until(what, Duration.ofMillis(GHOST_WAIT_MS / 2),
        () -> Scrape.of(http).value("coordinator_waiting_acquires") == count);
  }
}
