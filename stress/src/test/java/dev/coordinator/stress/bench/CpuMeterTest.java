package dev.coordinator.stress.bench;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coordinator.stress.service.EmbeddedServer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The bench's CPU accounting against CPU burnt on purpose by known processes. */
class CpuMeterTest {
  private static final long BURN_MILLIS = 500;
  /** /proc counts in clock ticks (10 ms); two reads each round down. */
  private static final long TICK_SLACK_MILLIS = 30;
  private static final long OPS = 3;

  @BeforeAll
  static void linux() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "CPU accounting reads Linux's /proc");
  }

  @Test
  @DisplayName("CPU the bench's own JVM burns is charged to the load, per operation, and counted in the machine's")
  void ownCpuIsLoad() {
    CpuMeter meter = new CpuMeter(OptionalLong.empty(), List::of);
    CpuMeter.Sample before = meter.sample();
    burnThisThread(BURN_MILLIS);
    JsonObject use = meter.use(before, meter.sample(), OPS);
    assertAtLeast(use, "load_us_per_op", BURN_MILLIS);
    assertAtLeast(use, "machine_us_per_op", BURN_MILLIS);
    assertNull(use.getValue("postgres_us_per_op"), "no server to read: " + use);
  }

  @Test
  @DisplayName("a service node's CPU is charged to the service")
  void nodeCpuIsService() throws Exception {
    Process node = busyProcess();
    try {
      CpuMeter meter = new CpuMeter(OptionalLong.empty(), () -> List.of(node.pid()));
      CpuMeter.Sample before = meter.sample();
      awaitCpu(node, cpuOf(node).plusMillis(BURN_MILLIS));
      JsonObject use = meter.use(before, meter.sample(), OPS);
      assertAtLeast(use, "service_us_per_op", BURN_MILLIS);
    } finally {
      node.destroyForcibly().waitFor();
    }
  }

  @Test
  @DisplayName("a server backend's CPU stays charged to the server after the backend ended and was reaped")
  void endedBackendsStayCounted() throws Exception {
    // This JVM stands in for the postmaster: its child is a backend, reaped by it when it ends.
    CpuMeter meter = new CpuMeter(OptionalLong.of(ProcessHandle.current().pid()), List::of);
    CpuMeter.Sample before = meter.sample();
    Process backend = busyProcess();
    awaitCpu(backend, Duration.ofMillis(BURN_MILLIS));
    backend.destroyForcibly().waitFor();
    JsonObject use = meter.use(before, meter.sample(), OPS);
    assertAtLeast(use, "postgres_us_per_op", BURN_MILLIS);
  }

  @Test
  @DisplayName("a server whose postmaster.pid cannot be read has no postmaster")
  void unreadableServer() {
    assertTrue(EmbeddedServer.postmasterOf(Path.of("/nonexistent/data")).isEmpty());
  }

  private static void assertAtLeast(JsonObject use, String field, long burntMillis) {
    Double perOp = use.getDouble(field);
    double expected = (burntMillis - TICK_SLACK_MILLIS) * 1000.0 / OPS;
    assertTrue(perOp != null && perOp >= expected, field + " should be at least " + expected + " µs: " + use);
  }

  private static void burnThisThread(long millis) {
    var threads = ManagementFactory.getThreadMXBean();
    long until = threads.getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long spin = 0;
    while (threads.getCurrentThreadCpuTime() < until) {
      spin += System.nanoTime() % 7;
    }
    assertTrue(spin >= 0);
  }

  private static Process busyProcess() throws Exception {
    return new ProcessBuilder("sh", "-c", "while :; do :; done").start();
  }

  private static Duration cpuOf(Process process) {
    return process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** Until the process has used {@code total} of CPU (it spins, so this takes about that long). */
  private static void awaitCpu(Process process, Duration total) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (cpuOf(process).compareTo(total) < 0) {
      assertTrue(process.isAlive() && System.nanoTime() < deadline, "the busy process stopped or got no CPU in 60 s");
      // Parked between looks, so that this JVM's own CPU stays far below what the process burns.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
