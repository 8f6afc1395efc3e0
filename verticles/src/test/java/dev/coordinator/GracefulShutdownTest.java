package dev.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

      CompletableFuture<Http.Response> inFlight = CompletableFuture.supplyAsync(() ->
          http.post("/v1/locks/acquire", waiter, new JsonObject().put("key", "src/busy.py").put("wait_ms", 2_000)));
      Thread.sleep(500);
      service.stopService();

      Http.Response answer = inFlight.get(30, TimeUnit.SECONDS);
      assertEquals(409, answer.status(), answer::toString);
      assertEquals("LOCK_HELD", answer.errorCode());
      assertEquals(1L, service.database().value(
          "SELECT count(*) FROM audit_log WHERE agent = 'waiter' AND action = 'acquire_lock' AND outcome = 'error'"),
          "the waiter's final attempt was audited before the service stopped");
      assertThrows(UncheckedIOException.class, () -> http.get("/health", null), "a stopped service takes no requests");
    }
  }
}
