package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** LOCK-5: waiters are woken by releases and lease ends, not by polling, and served in arrival order. */
class LockWaitersTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String holder;

  @BeforeAll
  static void agents() {
    http = service.http();
    holder = service.agent("holder", "claude_code", 2);
  }

  private static Http.Response acquire(String key, String agentKey, int waitMs) {
    return http.post("/v1/locks/acquire", agentKey, new JsonObject().put("key", key).put("wait_ms", waitMs).put("ttl_seconds", 60));
  }

  @Test
  void waitersAreServedOneByOneInArrivalOrder() throws Exception {
    String key = "src/queue.py";
    assertEquals(200, acquire(key, holder, 0).status());
    int waiters = 5;
    List<String> grantedTo = Collections.synchronizedList(new ArrayList<>());
    List<Long> tokens = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < waiters; i++) {
      String id = "waiter" + i;
      String agentKey = service.agent(id, "claude_code", 2);
      done.add(CompletableFuture.runAsync(() -> {
        Http.Response response = acquire(key, agentKey, 30_000);
        assertEquals(200, response.status(), id + ": " + response);
        grantedTo.add(id);
        tokens.add(response.json().getJsonObject("lock").getLong("fencing_token"));
        assertEquals(200, http.post("/v1/locks/release", agentKey, new JsonObject().put("key", key)).status());
      }));
      // The next waiter is sent only once this one is in line: that is the arrival order.
      Await.gauge(http, "coordinator_waiting_acquires", i + 1);
    }
    assertTrue(grantedTo.isEmpty(), "nobody gets a held lock: " + grantedTo);
    assertEquals(200, http.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    assertEquals(List.of("waiter0", "waiter1", "waiter2", "waiter3", "waiter4"), grantedTo, "LOCK-5: arrival order");
    for (int i = 1; i < tokens.size(); i++) {
      assertTrue(tokens.get(i) > tokens.get(i - 1), "LOCK-2: each waiter gets a higher token: " + tokens);
    }
    assertEquals(5L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE action = 'acquire_lock' AND resource = ? AND agent LIKE 'waiter%'", key),
        "one audit row per waiting acquire, however often it tried");
  }

  @Test
  void aWaiterWhoseTimeRunsOutGetsLockHeld() {
    String key = "src/long-held.py";
    String impatient = service.agent("impatient", "claude_code", 2);
    assertEquals(200, acquire(key, holder, 0).status());
    Http.Response response = acquire(key, impatient, 700);
    assertEquals(409, response.status(), response::toString);
    assertEquals("LOCK_HELD", response.errorCode());
    assertEquals("holder", response.json().getJsonObject("error").getJsonObject("details").getString("holder"));
    assertEquals(1L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = 'impatient' AND action = 'acquire_lock' AND outcome = 'error'"));
    assertEquals("holder", service.database().value("SELECT holder FROM locks WHERE key = ?", key));
  }

  @Test
  void theEndOfTheHoldersLeaseWakesAWaiter() {
    String key = "src/lease-end.py";
    String next = service.agent("next", "claude_code", 2);
    // A lease long enough that the waiter is surely in line before it ends, or this proves nothing.
    assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", key).put("ttl_seconds", 3)).status());
    Http.Response response = acquire(key, next, 20_000);
    assertEquals(200, response.status(), response::toString);
    assertEquals("next", response.json().getJsonObject("lock").getString("holder"));
    assertEquals(0L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE action = 'release_lock' AND resource = ?", key), "nobody released it");
  }

  @Test
  void aReleaseWakesAWaiterLongBeforeItsTimeRunsOut() throws Exception {
    String key = "src/woken.py";
    String sleeper = service.agent("sleeper", "claude_code", 2);
    assertEquals(200, acquire(key, holder, 0).status());
    long started = System.nanoTime();
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> acquire(key, sleeper, 50_000));
    Await.gauge(http, "coordinator_waiting_acquires", 1);
    assertEquals(200, http.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    Http.Response response = waiting.get(60, TimeUnit.SECONDS);
    assertEquals(200, response.status(), response::toString);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(waitedMs < 25_000, "the release woke the waiter (waited " + waitedMs + " ms of 50000)");
  }
}
