package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.coordinator.bus.Document;
import dev.coordinator.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The waiting claims' wake-ups, on one event loop as in the queue verticle, with attempts the test
 * answers itself (what a waiter does with an answer is the unit here; the queries are tested over
 * HTTP elsewhere): a wake-up during the first try is not lost, and a submit wakes only the
 * waiters that want its type.
 */
@Tag("TASK-1")
class ClaimWaitersTest {
  private static final Reply NOTHING = Reply.success(new Document(new JsonObject().putNull("task")));
  private static final Reply FOUND = Reply.success(new Document(new JsonObject().put("task", new JsonObject())));

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Attempts whose answers the test gives, one promise per call, in call order. */
  private static final class Attempts implements Function<Boolean, Future<Reply>> {
    final List<Promise<Reply>> calls = new ArrayList<>();
    final List<CompletableFuture<Void>> called = new ArrayList<>();

    Attempts() {
      for (int i = 0; i < 10; i++) {
        called.add(new CompletableFuture<>());
      }
    }

    @Override
    public synchronized Future<Reply> apply(Boolean last) {
      Promise<Reply> promise = Promise.promise();
      calls.add(promise);
      called.get(calls.size() - 1).complete(null);
      return promise.future();
    }

    synchronized Promise<Reply> call(int index) {
      return calls.get(index);
    }
  }

  private <T> T onLoop(java.util.function.Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    vertx.runOnContext(ignored -> result.complete(work.get()));
    return result.get(10, TimeUnit.SECONDS);
  }

  private static boolean found(Reply reply) {
    return reply != NOTHING;
  }

  @Test
  void aSubmitDuringTheFirstTryWakesTheWaiter() throws Exception {
    ClaimWaiters waiters = onLoop(() -> new ClaimWaiters(vertx));
    Attempts attempts = new Attempts();
    Future<Reply> answer = onLoop(() -> waiters.await(new ClaimWaiters.Request("w", "r1", null, List.of("build")), 60_000,
        attempts, ClaimWaitersTest::found, NOTHING));
    attempts.called.get(0).get(10, TimeUnit.SECONDS);
    onLoop(() -> {
      waiters.wake("build");
      attempts.call(0).complete(NOTHING);
      return null;
    });
    attempts.called.get(1).get(10, TimeUnit.SECONDS);
    onLoop(() -> attempts.call(1).tryComplete(FOUND));
    assertSame(FOUND, answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS),
        "the submit that came while the first try ran made it try again");
  }

  @Test
  void aSubmitWakesOnlyTheWaitersThatWantItsType() throws Exception {
    ClaimWaiters waiters = onLoop(() -> new ClaimWaiters(vertx));
    AtomicInteger idleTries = new AtomicInteger();
    int idle = 200;
    for (int i = 0; i < idle; i++) {
      String request = "idle" + i;
      onLoop(() -> waiters.await(new ClaimWaiters.Request("idler", request, null, List.of("unused")), 60_000, last -> {
        idleTries.incrementAndGet();
        return Future.succeededFuture(NOTHING);
      }, ClaimWaitersTest::found, NOTHING));
    }
    assertEquals(idle, idleTries.get(), "each idle waiter tried once, on arrival");
    Attempts worker = new Attempts();
    Future<Reply> answer = onLoop(() -> waiters.await(new ClaimWaiters.Request("worker", "r", null, List.of("build")),
        60_000, worker, ClaimWaitersTest::found, NOTHING));
    worker.called.get(0).get(10, TimeUnit.SECONDS);
    onLoop(() -> worker.call(0).tryComplete(NOTHING));
    onLoop(() -> {
      waiters.wake("build");
      return null;
    });
    worker.called.get(1).get(10, TimeUnit.SECONDS);
    onLoop(() -> worker.call(1).tryComplete(FOUND));
    assertSame(FOUND, answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(idle, idleTries.get(), "no idle waiter on another type tried again");
    onLoop(() -> {
      waiters.wake(null);
      return null;
    });
    assertEquals(2 * idle, (int) onLoop(idleTries::get), "a wake-up for any type wakes them all (their tries answer at once)");
  }
}
