package dev.coordinator.stress;

import dev.coordinator.stress.bench.BenchOptions;
import dev.coordinator.stress.bench.BenchRun;
import dev.coordinator.stress.check.CheckSettings;
import dev.coordinator.stress.check.Checker;
import dev.coordinator.stress.fault.Fault;
import dev.coordinator.stress.history.History;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bin/stress}: api.md §8. {@code run}: exit 0 when no invariant is violated, 1 when one is, 2 on a usage or
 * start-up error. {@code bench}: 0 when it ran, 1 when it could not, 2 on a usage error.
 */
public final class StressMain {
  static final String USAGE = """
      usage: stress run [--scenario locks|queue|sessions|mixed] [--nodes N] [--clients M] [--duration 60s]
                        [--seed S] [--faults kill-node,pause-node,kill-db-connections,restart-db,client-crash|all]
                        [--out DIR] [--max-ops N] [--db-url URL] [--session-timeout S] [--sweep-interval MS]
                        [--clock-uncertainty MS] [--jar PATH]
                        [--target URL[,URL] --agents-file FILE [--allow-remote-target]]
             stress check DIR   check DIR/history.jsonl again (with the settings in DIR/results.json)
             stress bench [--only G1,G6] [--out DIR] [--clients N] [--duration 15s] [--repetitions 3]
                          [--db-url URL] [--jar PATH]   performance.md's goals as ratios against raw SQL
      see docs/stress.md""";

  private StressMain() {
  }

  public static void main(String[] args) {
    System.exit(run(Arrays.asList(args), System.out, System.err));
  }

  static int run(List<String> args, PrintStream out, PrintStream err) {
    return run(args, List.of(), out, err);
  }

  /** {@code extraFaults}: faults beyond the command line's, for the build's proof that the checker bites. */
  static int run(List<String> args, List<Fault> extraFaults, PrintStream out, PrintStream err) {
    if (args.isEmpty() || List.of("help", "--help", "-h").contains(args.get(0))) {
      out.println(USAGE);
      return args.isEmpty() ? 2 : 0;
    }
    switch (args.get(0)) {
      case "run" -> {
        return runCommand(args.subList(1, args.size()), extraFaults, out, err);
      }
      case "check" -> {
        return args.size() == 2 ? recheck(Path.of(args.get(1)), out, err) : usage(err);
      }
      case "bench" -> {
        return benchCommand(args.subList(1, args.size()), out, err);
      }
      default -> {
        err.println("stress: unknown command " + args.get(0) + "\n" + USAGE);
        return 2;
      }
    }
  }

  private static int usage(PrintStream err) {
    err.println(USAGE);
    return 2;
  }

  /** Checks a recorded history again, e.g. after a change to the checker; prints the violations. */
  private static int recheck(Path dir, PrintStream out, PrintStream err) {
    try {
      JsonObject results = new JsonObject(Files.readString(dir.resolve("results.json")));
      Checker.Verdict verdict = Checker.check(
          History.read(dir.resolve("history.jsonl")),
          CheckSettings.fromJson(results.getJsonObject("check_settings")));
      verdict.violations().forEach(v -> out.printf("stress: VIOLATION %s (seed %d): %s%n", v.invariant(),
          results.getLong("seed"), v.detail()));
      out.printf("stress: %d operations checked, %d violation(s)%n", verdict.operations(), verdict.violations().size());
      return verdict.ok() ? 0 : 1;
    } catch (IOException | RuntimeException e) {
      err.println("stress: could not check " + dir + ": " + e.getMessage());
      return 2;
    }
  }

  /** Exit 0 when the bench ran (missed goals are in its table), 1 when it could not run, 2 on a usage error. */
  private static int benchCommand(List<String> args, PrintStream out, PrintStream err) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args, System.getenv());
    } catch (UsageException e) {
      err.println("stress: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    try {
      new BenchRun(options, out).run();
      return 0;
    } catch (Exception e) {
      err.println("stress: bench could not run: " + e.getMessage());
      return 1;
    }
  }

  private static int runCommand(List<String> args, List<Fault> extraFaults, PrintStream out, PrintStream err) {
    RunOptions options;
    try {
      options = RunOptions.parse(args, System.getenv());
    } catch (UsageException e) {
      err.println("stress: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    try {
      return new StressRun(options, extraFaults, out).run().getBoolean("ok") ? 0 : 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("stress: interrupted");
      return 2;
    } catch (Exception e) {
      err.println("stress: could not run: " + e.getMessage());
      return 2;
    }
  }
}
