package dev.coordinator.stress;

import dev.coordinator.stress.client.Budget;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A run interrupted (Ctrl-C, SIGTERM) ends like one whose time ran out: the clients stop after
 * their current call, the faults heal, the history so far is checked and written, and the nodes
 * and the database it started are stopped, so an hour of a long run is not lost to a stop. The
 * JVM waits for that (at most {@link #CHECK_MINUTES}) and exits with the run's own status (api.md
 * §8: 1 when the history so far violates an invariant); if the run does not end in time, it stops
 * the nodes and the database itself and exits with the signal's.
 */
final class Interruption {
  private static final long CHECK_MINUTES = 30;

  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;
  private volatile boolean interrupted;
  private volatile Budget budget;
  private volatile Runnable abandon = () -> { };
  private volatile int status;

  private Interruption(PrintStream console) {
    hook = new Thread(() -> {
      console.println("stress: interrupted: stopping the clients, then checking what ran (kill -9 abandons it)");
      interrupted = true;
      stopBudget();
      try {
        if (finished.await(CHECK_MINUTES, TimeUnit.MINUTES)) {
          console.flush();
          Runtime.getRuntime().halt(status);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      abandon.run();
    }, "stress-interrupted");
  }

  static Interruption install(PrintStream console) {
    Interruption interruption = new Interruption(console);
    Runtime.getRuntime().addShutdownHook(interruption.hook);
    return interruption;
  }

  /**
   * The clients' budget, once they have one (spent at once if the run was interrupted while it
   * started), and what stops the nodes and the database if the run does not end in time.
   */
  void stops(Budget clients, Runnable closeService) {
    abandon = closeService;
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

  /**
   * The run ended and cleaned up, with the exit status it calls for: an interruption waits no
   * longer, and a later one is the JVM's alone.
   */
  void done(int exitStatus) {
    status = exitStatus;
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it returns now that the run is done
    }
  }
}
