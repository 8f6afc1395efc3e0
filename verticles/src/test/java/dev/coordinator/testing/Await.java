package dev.coordinator.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for an event the service tells a test of only in its state (a row, a gauge, a blocked
 * backend), by looking again and again until a deadline generous enough for a busy machine.
 */
public final class Await {
  /** How long a test waits for an event by default. */
  public static final Duration PATIENCE = Duration.ofSeconds(60);

  private Await() {
  }

  public static void until(String what, BooleanSupplier condition) {
    until(what, PATIENCE, condition);
  }

  /**
   * Waits until the node's gauge {@code name} (e.g. {@code coordinator_waiting_acquires}) reads
   * {@code value}: how a test knows that a request it sent is now waiting in line.
   */
  public static void gauge(Http http, String name, long value) {
    gauge(http, name, value, PATIENCE);
  }

  /**
   * As {@link #gauge(Http, String, long)}, within a bound: to see a wait end, wait less than that
   * wait's own deadline, or a wait that merely ran out would pass for one that was ended.
   */
  public static void gauge(Http http, String name, long value, Duration within) {
    until(name + " is " + value, within, () -> Scrape.of(http).value(name) == value);
  }

  public static void until(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + within.toSeconds() + " s waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting until " + what);
      }
    }
  }
}
