package dev.coordinator.stress;

import dev.coordinator.stress.client.Budget;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A run interrupted (Ctrl-C, SIGTERM) ends like one whose time ran out: the clients stop after
 * their current call, the faults heal, the history so far is checked and written, and the nodes
 * and the database it started are stopped, so an hour of a long run is not lost to a stop. The
 * JVM waits for that (at most {@link #CHECK_MINUTES}), then exits with the signal's status.
 */
final class Interruption {
  private static final long CHECK_MINUTES = 30;

  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;
  private volatile boolean interrupted;
  private volatile Budget budget;

  private Interruption(PrintStream console) {
    hook = new Thread(() -> {
      console.println("stress: interrupted: stopping the clients, then checking what ran (kill -9 abandons it)");
      interrupted = true;
      stopBudget();
      try {
        finished.await(CHECK_MINUTES, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "stress-interrupted");
  }

  static Interruption install(PrintStream console) {
    Interruption interruption = new Interruption(console);
    Runtime.getRuntime().addShutdownHook(interruption.hook);
    return interruption;
  }

  /** The clients' budget, once they have one; spent at once if the run was interrupted while it started. */
  void stops(Budget clients) {
    budget = clients;
    if (interrupted) {
      stopBudget();
    }
  }

  private void stopBudget() {
    Budget clients = budget;
    if (clients != null) {
      clients.stop();
    }
  }

  /** The run ended and cleaned up (or failed): an interruption waits no longer, and a later one is the JVM's alone. */
  void done() {
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it returns now that the run is done
    }
  }
}
