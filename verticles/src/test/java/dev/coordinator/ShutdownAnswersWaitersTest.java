package dev.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with requests waiting far longer than the shutdown grace (a contested acquire, a claim
 * with no work): each is answered with its real outcome before the HTTP server closes (LOCK_HELD,
 * {@code {"task": null}}), not cut off when the grace runs out.
 */
class ShutdownAnswersWaitersTest {

  @Test
  void waitingAcquiresAndClaimsAreAnsweredAtShutdown() throws Exception {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String holder = service.agent("holder", "claude_code", 2);
      String waiter = service.agent("waiter", "claude_code", 2);
      assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/busy.py")).status());

      CountDownLatch arrived = new CountDownLatch(2);
      Handler<DeliveryContext<Object>> watch = context -> {
        String address = context.message().address();
        if ((address.equals(Addresses.LOCKS) || address.equals(Addresses.TASKS))
            && context.body() instanceof Authorized authorized
            && (authorized.command() instanceof LockCommand.Acquire || authorized.command() instanceof TaskCommand.Claim)) {
          arrived.countDown();
        }
        context.next();
      };
      service.vertx().eventBus().addInboundInterceptor(watch);

      CompletableFuture<Http.Response> acquire = CompletableFuture.supplyAsync(() -> http.post("/v1/locks/acquire", waiter,
          new JsonObject().put("key", "src/busy.py").put("wait_ms", 60_000)));
      CompletableFuture<Http.Response> claim = CompletableFuture.supplyAsync(() -> http.post("/v1/tasks/claim", waiter,
          new JsonObject().put("task_types", java.util.List.of("nothing")).put("wait_ms", 60_000)));
      assertTrue(arrived.await(30, TimeUnit.SECONDS), "the waiting requests never reached their verticles");
      service.stopService();

      Http.Response acquired = acquire.get(60, TimeUnit.SECONDS);
      assertEquals(409, acquired.status(), acquired::toString);
      assertEquals("LOCK_HELD", acquired.errorCode());
      Http.Response claimed = claim.get(60, TimeUnit.SECONDS);
      assertEquals(200, claimed.status(), claimed::toString);
      assertNull(claimed.json().getValue("task"));
      assertEquals(1L, service.database().value(
          "SELECT count(*) FROM audit_log WHERE agent = 'waiter' AND action = 'acquire_lock' AND outcome = 'error'"));
      assertEquals(1L, service.database().value(
          "SELECT count(*) FROM audit_log WHERE agent = 'waiter' AND action = 'get_work' AND outcome = 'ok'"));
    }
  }
}
