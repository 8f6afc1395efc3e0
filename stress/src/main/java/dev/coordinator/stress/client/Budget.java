package dev.coordinator.stress.client;

import java.util.concurrent.atomic.AtomicLong;

/** How long and how many operations the clients may run: every run stops by itself. */
public final class Budget {
  private final long deadlineNanos;
  private final AtomicLong operationsLeft;

  public Budget(long durationMillis, long maxOperations) {
    this.deadlineNanos = System.nanoTime() + durationMillis * 1_000_000;
    this.operationsLeft = new AtomicLong(maxOperations);
  }

  public boolean running() {
    return remainingMillis() > 0 && operationsLeft.get() > 0;
  }

  /** Counts one operation against the budget; false once it is spent. */
  boolean take() {
    return operationsLeft.getAndDecrement() > 0;
  }

  /** Ends the run now: clients stop after their current call (a fault that has seen what it wanted). */
  public void stop() {
    operationsLeft.set(0);
  }

  public long remainingMillis() {
    return (deadlineNanos - System.nanoTime()) / 1_000_000;
  }
}
