package dev.coordinator.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** STR-1: {@code bin/stress} as a user runs it (after the build packaged both jars): usage errors exit 2 and say why. */
class StressLauncherIT {
  private static final Path LAUNCHER = Path.of(System.getProperty("stress.launcher", "../bin/stress"));

  private static String run(int expectedExit, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = LAUNCHER.toAbsolutePath().toString();
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("COORDINATOR_JAR", System.getProperty("coordinator.jar"));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "bin/stress did not end");
    assertEquals(expectedExit, process.exitValue(), output);
    return output;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  @DisplayName("a run stopped by SIGTERM stops its clients, checks the history so far, writes its results and exits with the verdict's status")
  void anInterruptedRunIsCheckedNotLost(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toAbsolutePath().toString(), "run", "--scenario", "locks", "--clients", "2",
        "--duration", "10m", "--seed", "7", "--out", out.toString()).redirectErrorStream(true);
    builder.environment().put("COORDINATOR_JAR", System.getProperty("coordinator.jar"));
    Process process = builder.start();
    StringBuilder output = new StringBuilder();
    try {
      interruptAfterProgress(process, output);
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    assertEquals(0, process.exitValue(), output.toString());
    assertTrue(output.toString().contains("stress: interrupted"), output.toString());
    JsonObject results = new JsonObject(Files.readString(out.resolve("results.json")));
    assertTrue(results.getLong("operations") > 0 && results.getBoolean("ok"), results.encode());
  }

  /** Reads the run's output until a progress line counts an operation, sends SIGTERM, and reads the rest until it exits. */
  private static void interruptAfterProgress(Process process, StringBuilder output) throws Exception {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null && !line.matches("stress: \\d+s/600s  ok [1-9].*")) {
        output.append(line).append('\n');
      }
      assertTrue(line != null, "the run ended before it made progress:\n" + output);
      process.toHandle().destroy();
      lines.lines().forEach(rest -> output.append(rest).append('\n'));
    }
    assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the interrupted run did not end");
  }

  @Test
  @DisplayName("bin/stress refuses a remote target (exit 2), an unknown command or flag (exit 2, with a hint), and lists every command and flag")
  void usageErrorsExitTwo() throws Exception {
    assertTrue(run(2, "run", "--target", "http://10.9.8.7:8080", "--agents-file", "agents.json")
        .contains("outside 127.0.0.0/8"));
    assertTrue(run(2, "explode").contains("'explode'"));
    assertTrue(run(2, "runn").contains("Did you mean: run?"));
    assertTrue(run(2, "run", "--scenaro", "locks").contains("Did you mean: --scenario?"));
    assertTrue(run(2, "bench", "--only", "G9").contains("G1..G8"));
    assertTrue(run(2, "bench", "--repetition", "2").contains("Did you mean: --repetitions?"));
    String help = run(0, "--help");
    assertTrue(help.contains("run") && help.contains("check") && help.contains("bench"), help);
    String runHelp = run(0, "run", "--help");
    assertTrue(runHelp.contains("--faults") && runHelp.contains("STRESS_DB_URL") && runHelp.contains("COORDINATOR_JAR"), runHelp);
    String benchHelp = run(0, "bench", "--help");
    assertTrue(benchHelp.contains("--repetitions") && benchHelp.contains("STRESS_DB_URL"), benchHelp);
  }
}
