package dev.coordinator.lock;

import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.lock.LockStore.Attempt;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Acquires that may wait ({@code wait_ms > 0}), queued per key in arrival order. Only the head of
 * a queue tries the lock: when a release event for the key arrives, or when the current holder's
 * lease runs out (a timer set from the database's own clock). Nothing polls.
 *
 * <p>A release that arrives while the head's attempt is in flight is counted, and the head tries
 * again at once if its attempt lost, so no wake-up is lost. A waiter whose time runs out makes one
 * last attempt, which is audited, and gets its answer ({@code LOCK_HELD} if the lock is still
 * taken); a waiter whose time runs out behind others does not try (that could take a lock that is
 * the head's turn) and is answered {@code LOCK_HELD}, audited. Lives on one event loop: no locking.
 *
 * <p>Order is kept among the waiters of one node; an acquire without {@code wait_ms} does not
 * queue and may take a lock that is free between a release and the head's attempt.
 */
final class LockWaiters {

  /** What a waiter can do with the lock. */
  interface Attempts {
    /** Runs one attempt; {@code last} attempts are audited even when they fail. */
    Future<Attempt> attempt(Waiter waiter, boolean last);

    /**
     * The answer of a waiter whose time ran out behind {@code ahead} earlier waiters: LOCK_HELD,
     * audited, without trying (a free lock is the earlier waiters' turn).
     */
    Future<Reply> refuse(Waiter waiter, int ahead);
  }

  static final class Waiter {
    final Authorized authorized;
    final LockCommand.Acquire acquire;
    final String key;
    private final Promise<Reply> answer = Promise.promise();
    private long deadlineTimer;
    private boolean timedOut;
    /** Set when the wait was cancelled while its attempt ran: the answer it then gets. */
    private Reply stopped;

    Waiter(Authorized authorized, LockCommand.Acquire acquire) {
      this.authorized = authorized;
      this.acquire = acquire;
      this.key = acquire.key();
    }
  }

  private static final class Queue {
    final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    boolean attempting;
    long releases;
    long leaseTimer = -1;
  }

  private final Vertx vertx;
  private final Attempts attempts;
  private final Map<String, Queue> queues = new HashMap<>();
  private boolean closing;

  LockWaiters(Vertx vertx, Attempts attempts) {
    this.vertx = vertx;
    this.attempts = attempts;
  }

  /** Queues {@code waiter} behind earlier waiters for its key; answers when it has the lock or its time is up. */
  Future<Reply> enqueue(Authorized authorized, LockCommand.Acquire acquire) {
    Waiter waiter = new Waiter(authorized, acquire);
    if (closing) {
      return attempts.attempt(waiter, true).map(Attempt::reply);
    }
    Queue queue = queues.computeIfAbsent(waiter.key, key -> new Queue());
    queue.waiting.addLast(waiter);
    waiter.deadlineTimer = vertx.setTimer(Math.max(1, acquire.waitMs()), id -> timeUp(waiter));
    drive(queue);
    return waiter.answer.future();
  }

  /** A release event: the head of the key's queue tries now (or again, if it is trying). */
  void released(String key) {
    Queue queue = queues.get(key);
    if (queue == null) {
      return;
    }
    queue.releases++;
    drive(queue);
  }

  /**
   * Stops a waiting acquire of {@code agentId}'s request {@code requestId}: it leaves the line and
   * is answered LOCK_HELD. A head whose attempt is under way finishes that attempt (and keeps the
   * lock if it got it) but tries no more. True if found.
   */
  boolean cancel(String agentId, String requestId) {
    for (Queue queue : queues.values()) {
      for (Waiter waiter : queue.waiting) {
        var envelope = waiter.authorized.envelope();
        if (envelope.agentId().equals(agentId) && requestId.equals(envelope.requestId())) {
          stop(queue, waiter, Reply.Failure.of(ErrorCode.LOCK_HELD, "the wait for lock " + waiter.key + " was cancelled"));
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The session ended: its waiting acquires end with it. Each makes its last attempt now (a head
   * after the attempt under way), wherever it stands in line: it cannot be granted (it needs the
   * session active), so it takes no one's turn, and it records its refusal (HARD-2).
   */
  void sessionEnded(String sessionId) {
    for (Queue queue : List.copyOf(queues.values())) {
      for (Waiter waiter : List.copyOf(queue.waiting)) {
        if (sessionId.equals(waiter.authorized.envelope().sessionId())) {
          waiter.timedOut = true;
          if (!(queue.attempting && queue.waiting.peekFirst() == waiter)) {
            finishLast(queue, waiter);
          }
        }
      }
    }
  }

  private void stop(Queue queue, Waiter waiter, Reply answer) {
    if (queue.attempting && queue.waiting.peekFirst() == waiter) {
      waiter.stopped = answer;
      return;
    }
    remove(queue, waiter);
    waiter.answer.tryComplete(answer);
    drive(queue);
  }

  /**
   * The node is shutting down: every waiter's time is up now (it makes its last, audited attempt
   * and is answered), and later acquires do not wait.
   */
  void close() {
    closing = true;
    queues.values().stream().flatMap(queue -> queue.waiting.stream()).toList().forEach(this::timeUp);
  }

  /** How many acquires wait on this node, for tests and metrics. */
  int waiting() {
    return queues.values().stream().mapToInt(queue -> queue.waiting.size()).sum();
  }

  private void drive(Queue queue) {
    if (queue.attempting || queue.waiting.isEmpty()) {
      return;
    }
    cancelLeaseTimer(queue);
    Waiter head = queue.waiting.peekFirst();
    long releasesSeen = queue.releases;
    queue.attempting = true;
    attempts.attempt(head, false).onComplete(result -> {
      queue.attempting = false;
      if (result.succeeded() && result.result().retryable()) {
        if (head.stopped != null) {
          remove(queue, head);
          head.answer.tryComplete(head.stopped);
          drive(queue);
        } else if (head.timedOut) {
          finishLast(queue, head);
        } else if (queue.releases != releasesSeen) {
          drive(queue);
        } else {
          long delay = Math.max(1, result.result().heldForMs() + 1);
          queue.leaseTimer = vertx.setTimer(delay, id -> {
            queue.leaseTimer = -1;
            drive(queue);
          });
        }
        return;
      }
      remove(queue, head);
      head.answer.handle(result.map(Attempt::reply));
      drive(queue);
    });
  }

  private void timeUp(Waiter waiter) {
    waiter.timedOut = true;
    Queue queue = queues.get(waiter.key);
    if (queue == null || !queue.waiting.contains(waiter)) {
      return;
    }
    if (queue.waiting.peekFirst() == waiter) {
      if (!queue.attempting) {
        finishLast(queue, waiter);
      }
      return;
    }
    int ahead = 0;
    for (Waiter each : queue.waiting) {
      if (each == waiter) {
        break;
      }
      ahead++;
    }
    remove(queue, waiter);
    attempts.refuse(waiter, ahead).onComplete(waiter.answer);
  }

  private void finishLast(Queue queue, Waiter waiter) {
    remove(queue, waiter);
    attempts.attempt(waiter, true).map(Attempt::reply).onComplete(waiter.answer);
    drive(queue);
  }

  private void remove(Queue queue, Waiter waiter) {
    vertx.cancelTimer(waiter.deadlineTimer);
    boolean wasHead = queue.waiting.peekFirst() == waiter;
    queue.waiting.remove(waiter);
    if (wasHead) {
      cancelLeaseTimer(queue);
    }
    if (queue.waiting.isEmpty() && !queue.attempting) {
      queues.remove(waiter.key, queue);
    }
  }

  private void cancelLeaseTimer(Queue queue) {
    if (queue.leaseTimer >= 0) {
      vertx.cancelTimer(queue.leaseTimer);
      queue.leaseTimer = -1;
    }
  }
}
