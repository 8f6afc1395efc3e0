package dev.coordinator.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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
