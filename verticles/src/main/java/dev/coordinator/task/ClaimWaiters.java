package dev.coordinator.task;

import dev.coordinator.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Claims that wait ({@code wait_ms > 0}) for work to appear. They try again, in arrival order,
 * when a task-available event arrives (a submit, a dependency completing, a task going back to
 * the queue); nothing polls. An event that arrives while a round of tries runs starts another
 * round afterwards, so no wake-up is lost. A waiter whose time runs out makes one last attempt,
 * which answers whatever it finds (no task, usually). Lives on one event loop: no locking.
 */
final class ClaimWaiters {
  private static final class Waiter {
    final String agentId;
    final String requestId;
    final Function<Boolean, Future<Reply>> attempt;
    final Predicate<Reply> done;
    final Promise<Reply> answer = Promise.promise();
    long timer;
    boolean inFlight;
    boolean timedOut;
    boolean cancelled;
    Reply nothing;

    Waiter(String agentId, String requestId, Function<Boolean, Future<Reply>> attempt, Predicate<Reply> done) {
      this.agentId = agentId;
      this.requestId = requestId;
      this.attempt = attempt;
      this.done = done;
    }
  }

  private final Vertx vertx;
  private final Set<Waiter> waiting = new LinkedHashSet<>();
  private boolean trying;
  private boolean wokenWhileTrying;
  private boolean closing;

  ClaimWaiters(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Waits up to {@code waitMs}; {@code attempt} (given whether it is the last) is asked again on
   * each wake-up until {@code done} accepts its answer; {@code nothing} answers a cancelled wait.
   */
  Future<Reply> await(String agentId, String requestId, int waitMs, Function<Boolean, Future<Reply>> attempt,
                      Predicate<Reply> done, Reply nothing) {
    if (closing) {
      return attempt.apply(true);
    }
    Waiter waiter = new Waiter(agentId, requestId, attempt, done);
    waiter.nothing = nothing;
    waiting.add(waiter);
    waiter.timer = vertx.setTimer(Math.max(1, waitMs), id -> timeUp(waiter));
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
      if (waiter.agentId.equals(agentId) && requestId.equals(waiter.requestId)) {
        if (waiter.inFlight) {
          waiter.cancelled = true;
          return true;
        }
        waiting.remove(waiter);
        vertx.cancelTimer(waiter.timer);
        waiter.answer.tryComplete(waiter.nothing);
        return true;
      }
    }
    return false;
  }

  /** Work may be claimable: every waiter tries once, oldest first. */
  void wake() {
    if (trying) {
      wokenWhileTrying = true;
      return;
    }
    trying = true;
    wokenWhileTrying = false;
    tryEach(new ArrayList<>(waiting), 0);
  }

  private void tryEach(List<Waiter> round, int index) {
    if (index == round.size()) {
      trying = false;
      if (wokenWhileTrying) {
        wake();
      }
      return;
    }
    Waiter waiter = round.get(index);
    if (!waiting.contains(waiter)) {
      tryEach(round, index + 1);
      return;
    }
    waiter.inFlight = true;
    waiter.attempt.apply(false).onComplete(result -> {
      waiter.inFlight = false;
      if (result.failed() || waiter.done.test(result.result())) {
        waiting.remove(waiter);
        vertx.cancelTimer(waiter.timer);
        waiter.answer.handle(result);
      } else if (waiter.cancelled) {
        waiting.remove(waiter);
        vertx.cancelTimer(waiter.timer);
        waiter.answer.tryComplete(waiter.nothing);
      } else if (waiter.timedOut) {
        finishLast(waiter);
      }
      tryEach(round, index + 1);
    });
  }

  // A try in flight when the time ran out decides first: if it found work, that is the answer.
  private void finishLast(Waiter waiter) {
    if (waiting.remove(waiter)) {
      waiter.attempt.apply(true).onComplete(waiter.answer);
    }
  }
}
