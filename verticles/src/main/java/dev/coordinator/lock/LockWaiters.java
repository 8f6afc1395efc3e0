package dev.coordinator.lock;

import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.lock.LockStore.Attempt;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's acquires that may wait ({@code wait_ms > 0}). The line itself is in the database
 * ({@code lock_waits}): a waiter's first attempt enters it there if refused, and the database
 * grants a free lock only to the earliest live waiter of the key, whichever node it waits on.
 * Here each key's waiters are kept in their line order, and only the first of them tries again:
 * when a wake-up for the key arrives (relayed from the database: a release, a waiter ahead leaving
 * the line, a resync), or when the time the database named passes (the holder's lease ends, or
 * the earliest waiter ahead runs out of time). Nothing polls.
 *
 * <p>A wake-up that arrives while an attempt is in flight is counted, and the first waiter tries
 * again at once if its attempt lost, so no wake-up is lost. A waiter whose time runs out makes one
 * last attempt, which is audited and takes it out of line, and gets its answer ({@code LOCK_HELD}
 * if the lock is still taken); a waiter whose time runs out behind others on this node does not
 * try (it cannot be first) and is answered {@code LOCK_HELD}, audited, as it leaves the line. Lives
 * on one event loop: no locking.
 */
final class LockWaiters {

  /** What a waiter can do with the lock and its line. */
  interface Attempts {
    /**
     * Runs one attempt; a waiter not yet in line enters it if refused (unless {@code last}); a
     * {@code last} attempt is audited even when it fails and takes the waiter out of line.
     */
    Future<Attempt> attempt(Waiter waiter, boolean last);

    /**
     * The answer of a waiter whose time ran out behind earlier waiters: LOCK_HELD, audited, without
     * trying (a free lock is the earlier waiters' turn); it leaves the line.
     */
    Future<Reply> refuse(Waiter waiter);

    /** Takes the waiter out of line, nothing recorded (its wait was cancelled while it entered). */
    Future<Void> leave(Waiter waiter);
  }

  static final class Waiter {
    final Authorized authorized;
    final LockCommand.Acquire acquire;
    final String key;
    private final Promise<Reply> answer = Promise.promise();
    /** Its place in the database's line once it entered (-1 before, or when unknown). */
    private long seq = -1;
    private long deadlineTimer;
    private boolean timedOut;
    /** Set when the wait was stopped while its attempt ran: the answer it then gets. */
    private Reply stopped;

    Waiter(Authorized authorized, LockCommand.Acquire acquire) {
      this.authorized = authorized;
      this.acquire = acquire;
      this.key = acquire.key();
    }

    long seq() {
      return seq;
    }
  }

  private static final class Queue {
    /** Waiters in line, in line order. */
    final List<Waiter> waiting = new ArrayList<>();
    /** Waiters whose first attempt (which enters the line) is in flight. */
    final Set<Waiter> entering = new HashSet<>();
    /** The waiter whose attempt is in flight, if any (the first in line when it started). */
    Waiter attempter;
    long wakes;
    long leaseTimer = -1;

    Waiter head() {
      return waiting.isEmpty() ? null : waiting.get(0);
    }

    boolean idle() {
      return waiting.isEmpty() && entering.isEmpty() && attempter == null;
    }
  }

  private final Vertx vertx;
  private final Attempts attempts;
  private final Map<String, Queue> queues = new HashMap<>();
  private boolean closing;

  LockWaiters(Vertx vertx, Attempts attempts) {
    this.vertx = vertx;
    this.attempts = attempts;
  }

  /** Enters {@code acquire} in the key's line; answers when it has the lock or its time is up. */
  Future<Reply> enqueue(Authorized authorized, LockCommand.Acquire acquire) {
    Waiter waiter = new Waiter(authorized, acquire);
    if (closing) {
      return attempts.attempt(waiter, true).map(Attempt::reply);
    }
    Queue queue = queues.computeIfAbsent(waiter.key, key -> new Queue());
    queue.entering.add(waiter);
    waiter.deadlineTimer = vertx.setTimer(Math.max(1, acquire.waitMs()), id -> timeUp(waiter));
    long wakesSeen = queue.wakes;
    attempts.attempt(waiter, false).onComplete(result -> entered(queue, waiter, wakesSeen, result));
    return waiter.answer.future();
  }

  private void entered(Queue queue, Waiter waiter, long wakesSeen, AsyncResult<Attempt> result) {
    queue.entering.remove(waiter);
    if (result.failed() || !result.result().retryable()) {
      vertx.cancelTimer(waiter.deadlineTimer);
      forgetIfIdle(queue);
      waiter.answer.handle(result.map(Attempt::reply));
      return;
    }
    waiter.seq = result.result().seq();
    int at = 0;
    while (at < queue.waiting.size() && queue.waiting.get(at).seq <= waiter.seq) {
      at++;
    }
    queue.waiting.add(at, waiter);
    if (waiter.stopped != null) {
      remove(queue, waiter);
      attempts.leave(waiter).onComplete(left -> waiter.answer.tryComplete(waiter.stopped));
      drive(queue);
    } else if (waiter.timedOut) {
      timeUp(waiter);
    } else if (queue.wakes != wakesSeen) {
      drive(queue);
    } else if (queue.head() == waiter && queue.attempter == null) {
      waitFor(queue, result.result());
    }
  }

  /** A wake-up for the key: the first waiter tries now (or again, if it is trying). */
  void released(String key) {
    Queue queue = queues.get(key);
    if (queue == null) {
      return;
    }
    queue.wakes++;
    drive(queue);
  }

  /** Wake-ups may have been missed: the first waiter of every key tries once. */
  void resync() {
    List.copyOf(queues.keySet()).forEach(this::released);
  }

  /**
   * Stops a waiting acquire of {@code agentId}'s request {@code requestId}: it is answered
   * LOCK_HELD (cancelled). A waiter whose attempt is under way finishes that attempt (and keeps the
   * lock if it got it) but tries no more. True if found.
   */
  boolean cancel(String agentId, String requestId) {
    return stopWhere(waiter -> waiter.authorized.envelope().agentId().equals(agentId)
        && requestId.equals(waiter.authorized.envelope().requestId()));
  }

  /** Waiter {@code seq} was taken out of line elsewhere (a cancel on another node): it is answered here. */
  void left(long seq) {
    stopWhere(waiter -> waiter.seq == seq);
  }

  private boolean stopWhere(java.util.function.Predicate<Waiter> which) {
    for (Queue queue : List.copyOf(queues.values())) {
      List<Waiter> all = new ArrayList<>(queue.waiting);
      all.addAll(queue.entering);
      for (Waiter waiter : all) {
        if (which.test(waiter)) {
          stop(queue, waiter, LockStore.cancelled(waiter.key));
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The session ended: its waiting acquires end with it. Each makes its last attempt now (one whose
   * attempt is under way, after it), wherever it stands in line: it cannot be granted (it needs the
   * session active), so it takes no one's turn, and it records its refusal (HARD-2).
   */
  void sessionEnded(String sessionId) {
    for (Queue queue : List.copyOf(queues.values())) {
      for (Waiter waiter : List.copyOf(queue.waiting)) {
        if (sessionId.equals(waiter.authorized.envelope().sessionId())) {
          waiter.timedOut = true;
          if (queue.attempter != waiter) {
            finishLast(queue, waiter);
          }
        }
      }
      queue.entering.stream().filter(waiter -> sessionId.equals(waiter.authorized.envelope().sessionId()))
          .forEach(waiter -> waiter.timedOut = true);
    }
  }

  private void stop(Queue queue, Waiter waiter, Reply answer) {
    if (queue.entering.contains(waiter) || queue.attempter == waiter) {
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
    for (Queue queue : List.copyOf(queues.values())) {
      queue.entering.forEach(waiter -> waiter.timedOut = true);
      List.copyOf(queue.waiting).forEach(this::timeUp);
    }
  }

  /** How many acquires wait on this node, for tests and metrics. */
  int waiting() {
    return queues.values().stream().mapToInt(queue -> queue.waiting.size() + queue.entering.size()).sum();
  }

  private void drive(Queue queue) {
    if (queue.attempter != null || queue.waiting.isEmpty()) {
      return;
    }
    cancelLeaseTimer(queue);
    Waiter head = queue.head();
    long wakesSeen = queue.wakes;
    queue.attempter = head;
    attempts.attempt(head, false).onComplete(result -> {
      queue.attempter = null;
      if (result.succeeded() && result.result().retryable()) {
        if (head.stopped != null) {
          remove(queue, head);
          head.answer.tryComplete(head.stopped);
          drive(queue);
        } else if (head.timedOut) {
          finishLast(queue, head);
        } else if (queue.wakes != wakesSeen || queue.head() != head) {
          drive(queue);
        } else {
          waitFor(queue, result.result());
        }
        return;
      }
      remove(queue, head);
      head.answer.handle(result.map(Attempt::reply));
      drive(queue);
    });
  }

  /** Nothing to do until a wake-up, or until the time the database named passes (that is an event too). */
  private void waitFor(Queue queue, Attempt refused) {
    cancelLeaseTimer(queue);
    queue.leaseTimer = vertx.setTimer(Math.max(1, refused.heldForMs() + 1), id -> {
      queue.leaseTimer = -1;
      drive(queue);
    });
  }

  private void timeUp(Waiter waiter) {
    waiter.timedOut = true;
    Queue queue = queues.get(waiter.key);
    if (queue == null || !queue.waiting.contains(waiter)) {
      return;
    }
    if (queue.head() == waiter) {
      if (queue.attempter == null) {
        finishLast(queue, waiter);
      }
      return;
    }
    remove(queue, waiter);
    attempts.refuse(waiter).onComplete(waiter.answer);
  }

  private void finishLast(Queue queue, Waiter waiter) {
    remove(queue, waiter);
    attempts.attempt(waiter, true).map(Attempt::reply).onComplete(waiter.answer);
    drive(queue);
  }

  private void remove(Queue queue, Waiter waiter) {
    vertx.cancelTimer(waiter.deadlineTimer);
    boolean wasHead = queue.head() == waiter;
    queue.waiting.remove(waiter);
    if (wasHead) {
      cancelLeaseTimer(queue);
    }
    forgetIfIdle(queue);
  }

  private void forgetIfIdle(Queue queue) {
    if (queue.idle()) {
      queues.values().remove(queue);
    }
  }

  private void cancelLeaseTimer(Queue queue) {
    if (queue.leaseTimer >= 0) {
      vertx.cancelTimer(queue.leaseTimer);
      queue.leaseTimer = -1;
    }
  }
}
