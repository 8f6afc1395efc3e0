package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.lock.LockStore.Attempt;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * LOCK-5: a waiter whose time runs out behind others does not try the lock (a lock that came free
 * is the head's turn); it is answered LOCK_HELD, audited (a head whose time runs out still makes
 * its last attempt: LockWaitersTest). Attempts are the test's own, so what the line does is the
 * unit here.
 */
@Tag("LOCK-5")
class LockWaitersOrderTest {
  private static final Reply.Failure HELD = Reply.Failure.of(ErrorCode.LOCK_HELD, "held");
  private static final Reply.Failure REFUSED = Reply.Failure.of(ErrorCode.LOCK_HELD, "refused in line");

  private static Authorized waiter(String agent, int waitMs) {
    LockCommand.Acquire acquire = new LockCommand.Acquire("src/line.py", 60, null, waitMs);
    return new Authorized(new Envelope(agent, null, "request-" + agent, null, acquire),
        new Principal(agent, "claude_code", 2, false, Set.of(), Set.of()), new Decision(true, false, "test", "native", List.of()),
        new Object());
  }

  private static Future<Reply> enqueue(LockWaiters waiters, Authorized authorized) {
    return waiters.enqueue(authorized, (LockCommand.Acquire) authorized.envelope().command());
  }

  @Test
  void aWaiterWhoseTimeRunsOutBehindTheHeadDoesNotTry() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> lastAttempts = new CopyOnWriteArrayList<>();
      List<String> refused = new CopyOnWriteArrayList<>();
      CompletableFuture<LockWaiters> created = new CompletableFuture<>();
      vertx.runOnContext(ignored -> created.complete(new LockWaiters(vertx, new LockWaiters.Attempts() {
        @Override
        public Future<Attempt> attempt(LockWaiters.Waiter waiter, boolean last) {
          if (last) {
            lastAttempts.add(waiter.authorized.envelope().agentId());
          }
          // Held for a long time by someone else, as the database would say: worth waiting on.
          return Future.succeededFuture(new Attempt(HELD, 600_000));
        }

        @Override
        public Future<Reply> refuse(LockWaiters.Waiter waiter) {
          refused.add(waiter.authorized.envelope().agentId());
          return Future.succeededFuture(REFUSED);
        }

        @Override
        public Future<Void> leave(LockWaiters.Waiter waiter) {
          return Future.succeededFuture();
        }
      })));
      LockWaiters waiters = created.get(10, TimeUnit.SECONDS);
      CompletableFuture<Future<Reply>> head = new CompletableFuture<>();
      vertx.runOnContext(ignored -> head.complete(enqueue(waiters, waiter("head", 60_000))));
      head.get(10, TimeUnit.SECONDS);
      CompletableFuture<Future<Reply>> answers = new CompletableFuture<>();
      vertx.runOnContext(ignored -> answers.complete(enqueue(waiters, waiter("behind", 50))));
      Reply answer = answers.get(10, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertSame(REFUSED, answer, "the waiter behind the head was answered without trying");
      assertEquals(List.of(), lastAttempts, "nobody behind the head tried the lock");
      assertEquals(List.of("behind"), refused);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
