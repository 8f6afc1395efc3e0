package dev.coordinator.task;

import dev.coordinator.bus.Reply;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Claims that wait ({@code wait_ms > 0}) for work to appear. A waiter is registered before its
 * first try, so work that appears while that try runs wakes it too. A task-available event wakes
 * only the waiters that could claim that type (an event without a type, e.g. a dependency
 * completing, wakes all); they try again one after the other in arrival order, so the oldest
 * gets the work first; nothing polls. An event that arrives while a round runs starts another
 * round afterwards, and a waiter whose try is under way when it is woken tries once more after
 * it, so no wake-up is lost. A waiter whose time runs out makes one last attempt, which answers
 * whatever it finds (no task, usually). Lives on one event loop: no locking.
 */
final class ClaimWaiters {
  /** One waiting claim; {@code taskTypes} empty means any type. */
  record Request(String agentId, String requestId, String sessionId, List<String> taskTypes) {
    boolean wants(Set<String> types) {
      return taskTypes.isEmpty() || taskTypes.stream().anyMatch(types::contains);
    }
  }

  private static final class Waiter {
    final Request request;
    final Function<Boolean, Future<Reply>> attempt;
    final Predicate<Reply> done;
    final Reply nothing;
    final Promise<Reply> answer = Promise.promise();
    long timer;
    boolean inFlight;
    boolean wokenInFlight;
    boolean timedOut;
    /** Set when the wait was cancelled while a try ran: the answer it then gets. */
    Reply stopped;

    Waiter(Request request, Function<Boolean, Future<Reply>> attempt, Predicate<Reply> done, Reply nothing) {
      this.request = request;
      this.attempt = attempt;
      this.done = done;
      this.nothing = nothing;
    }
  }

  private final Vertx vertx;
  private final Set<Waiter> waiting = new LinkedHashSet<>();
  private boolean trying;
  private boolean wokenAll;
  private Set<String> wokenTypes = new HashSet<>();
  private boolean closing;

  ClaimWaiters(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Waits up to {@code waitMs}, trying at once and then on each wake-up; {@code attempt} (given
   * whether it is the last) is asked until {@code done} accepts its answer; {@code nothing}
   * answers a cancelled wait.
   */
  Future<Reply> await(Request request, int waitMs, Function<Boolean, Future<Reply>> attempt, Predicate<Reply> done,
                      Reply nothing) {
    if (closing) {
      return attempt.apply(true);
    }
    Waiter waiter = new Waiter(request, attempt, done, nothing);
    waiting.add(waiter);
    waiter.timer = vertx.setTimer(Math.max(1, waitMs), id -> timeUp(waiter));
    tryOnce(waiter);
    return waiter.answer.future();
  }

  /**
   * The node is shutting down: every waiter's time is up now (it makes its last attempt and is
   * answered), and later claims do not wait.
   */
  void close() {
    closing = true;
    List.copyOf(waiting).forEach(waiter -> {
      vertx.cancelTimer(waiter.timer);
      timeUp(waiter);
    });
  }

  private void timeUp(Waiter waiter) {
    waiter.timedOut = true;
    if (!waiter.inFlight) {
      finishLast(waiter);
    }
  }

  /**
   * Stops {@code agentId}'s waiting claim {@code requestId}: it is answered with no task. A try
   * under way finishes (and may claim) but tries no more. True if found.
   */
  boolean cancel(String agentId, String requestId) {
    for (Waiter waiter : waiting) {
      if (waiter.request.agentId().equals(agentId) && requestId.equals(waiter.request.requestId())) {
        stop(waiter, waiter.nothing);
        return true;
      }
    }
    return false;
  }

  /**
   * The session ended: its waiting claims end with it. Each makes its last attempt now (after a
   * try under way), which finds the session ended and records that refusal (HARD-2).
   */
  void sessionEnded(String sessionId) {
    for (Waiter waiter : List.copyOf(waiting)) {
      if (sessionId.equals(waiter.request.sessionId())) {
        vertx.cancelTimer(waiter.timer);
        timeUp(waiter);
      }
    }
  }

  /** How many claims wait on this node, for tests and metrics. */
  int waiting() {
    return waiting.size();
  }

  /** Work of {@code taskType} (null: of any type) may be claimable: the waiters that want it try once, oldest first. */
  void wake(String taskType) {
    if (taskType == null) {
      wokenAll = true;
    } else {
      wokenTypes.add(taskType);
    }
    if (!trying) {
      round();
    }
  }

  private void round() {
    if (!wokenAll && wokenTypes.isEmpty()) {
      trying = false;
      return;
    }
    boolean all = wokenAll;
    Set<String> types = wokenTypes;
    wokenAll = false;
    wokenTypes = new HashSet<>();
    trying = true;
    tryEach(waiting.stream().filter(waiter -> all || waiter.request.wants(types)).toList(), 0);
  }

  private void tryEach(List<Waiter> round, int index) {
    if (index == round.size()) {
      round();
      return;
    }
    Waiter waiter = round.get(index);
    if (!waiting.contains(waiter)) {
      tryEach(round, index + 1);
    } else if (waiter.inFlight) {
      waiter.wokenInFlight = true;
      tryEach(round, index + 1);
    } else {
      tryOnce(waiter).onComplete(settled -> tryEach(round, index + 1));
    }
  }

  /** One try; completes when it settled (and, if it was woken meanwhile, the waiter has started again). */
  private Future<Void> tryOnce(Waiter waiter) {
    waiter.inFlight = true;
    waiter.wokenInFlight = false;
    return waiter.attempt.apply(false).transform(result -> {
      waiter.inFlight = false;
      if (result.failed() || waiter.done.test(result.result())) {
        finish(waiter, result);
      } else if (waiter.stopped != null) {
        finish(waiter, Future.succeededFuture(waiter.stopped));
      } else if (waiter.timedOut) {
        finishLast(waiter);
      } else if (waiter.wokenInFlight) {
        tryOnce(waiter);
      }
      return Future.succeededFuture();
    });
  }

  private void stop(Waiter waiter, Reply answer) {
    if (waiter.inFlight) {
      waiter.stopped = answer;
    } else {
      finish(waiter, Future.succeededFuture(answer));
    }
  }

  private void finish(Waiter waiter, AsyncResult<Reply> result) {
    if (waiting.remove(waiter)) {
      vertx.cancelTimer(waiter.timer);
      waiter.answer.handle(result);
    }
  }

  // A try in flight when the time ran out decides first: if it found work, that is the answer.
  private void finishLast(Waiter waiter) {
    if (waiting.remove(waiter)) {
      waiter.attempt.apply(true).onComplete(waiter.answer);
    }
  }
}
