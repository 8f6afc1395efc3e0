package dev.coordinator.tla;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs TLC on one model in a child JVM (TLC keeps global state and calls {@code System.exit}). */
final class Tlc {
  private static final Pattern VIOLATED = Pattern.compile("Invariant (\\w+) is violated");
  private static final Pattern DISTINCT = Pattern.compile("([\\d,]+) distinct states found");
  private static final String NO_ERROR = "Model checking completed. No error has been found.";

  /** TLC's outcome ({@code pass}, the violated invariant, {@code liveness}, ...), the states it found, its output. */
  record Run(String outcome, long distinctStates, String output) {
  }

  private Tlc() {
  }

  /** Checks {@code module} with {@code cfg}, both in {@code dir}. */
  static Run run(Path dir, String module, String cfg, int timeoutSeconds) throws Exception {
    Path meta = Path.of(System.getProperty("tlc.metadir", "target/tlc")).resolve(dir.getFileName() + "-" + cfg);
    Files.createDirectories(meta);
    Path log = meta.resolveSibling(dir.getFileName() + "-" + cfg + ".out");
    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseParallelGC",
        "-cp", tlaToolsJar(), "tlc2.TLC", "-workers", "1", "-metadir", meta.toString(), "-config", cfg, module)
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      fail(cfg + ": TLC ran longer than " + timeoutSeconds + " s; output in " + log);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    return new Run(outcome(process.exitValue(), output), distinct(output), output);
  }

  /** {@code pass} only for exit 0 with TLC's all-clear; the violated invariant's name; else what went wrong. */
  static String outcome(int exit, String output) {
    Matcher violated = VIOLATED.matcher(output);
    if (violated.find()) {
      return violated.group(1);
    }
    if (exit == 0 && output.contains(NO_ERROR)) {
      return "pass";
    }
    if (output.contains("Temporal properties were violated")) {
      return "liveness";
    }
    if (output.contains("Deadlock reached")) {
      return "deadlock";
    }
    return "error (exit " + exit + ")";
  }

  private static long distinct(String output) {
    Matcher m = DISTINCT.matcher(output);
    long last = -1;
    while (m.find()) {
      last = Long.parseLong(m.group(1).replace(",", ""));
    }
    return last;
  }

  private static String tlaToolsJar() throws URISyntaxException {
    return Path.of(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
