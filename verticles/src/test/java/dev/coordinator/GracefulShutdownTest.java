package dev.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Shutting down lets a request in flight finish with its real answer, and then takes no more. */
class GracefulShutdownTest {

  @Test
  void aRequestInFlightIsAnsweredDuringShutdown() throws Exception {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String holder = service.agent("holder", "claude_code", 2);
      String waiter = service.agent("waiter", "claude_code", 2);
      assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/busy.py")).status());

      long sent = System.nanoTime();
      CompletableFuture<Http.Response> inFlight = CompletableFuture.supplyAsync(() ->
          http.post("/v1/locks/acquire", waiter, new JsonObject().put("key", "src/busy.py").put("wait_ms", 60_000)));
      Await.gauge(http, "coordinator_waiting_acquires", 1);
      service.stopService();

      Http.Response answer = inFlight.get(90, TimeUnit.SECONDS);
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
      assertTrue(waitedMs < 30_000, "the shutdown, not the wait's own deadline, answered it (after " + waitedMs + " ms of 60000)");
      assertEquals(409, answer.status(), answer::toString);
      assertEquals("LOCK_HELD", answer.errorCode());
      assertEquals(1L, service.database().value(
          "SELECT count(*) FROM audit_log WHERE agent = 'waiter' AND action = 'acquire_lock' AND outcome = 'error'"),
          "the waiter's final attempt was audited before the service stopped");
      assertThrows(UncheckedIOException.class, () -> http.get("/health", null), "a stopped service takes no requests");
    }
  }
}
