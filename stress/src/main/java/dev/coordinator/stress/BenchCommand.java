package dev.coordinator.stress;

import dev.coordinator.cli.CommandFailure;
import dev.coordinator.cli.ExitCodes;
import dev.coordinator.cli.HelpFlag;
import dev.coordinator.stress.bench.BenchOptions;
import dev.coordinator.stress.bench.BenchRun;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/stress bench} (api.md §8, docs/performance.md): the flags as given; {@link BenchOptions#of}
 * checks them. Exit 0 when the bench ran (missed goals are in its table), 1 when it could not run,
 * 2 on a usage error.
 */
@Command(name = "bench", description = {"Measure the goals of performance.md as ratios against raw SQL in the same run;",
    "print the table and write DIR/bench.json and DIR/bench.png.",
    "Exit 0 when it ran (missed goals are in the table), 1 when it could not run, 2 on a usage error."})
public final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;
  @Mixin
  HelpFlag help;
  @Option(names = "--only", paramLabel = "G1,G6", description = "only these goals, G1..G8 [default all]")
  public String only;
  @Option(names = "--out", paramLabel = "DIR", description = "where the outputs go [default stress/results/bench-<time>]")
  public String out;
  @Option(names = "--clients", paramLabel = "N",
      description = "client count of every goal's main comparison, 1..256 [default performance.md's]")
  public String clients;
  @Option(names = "--duration", paramLabel = "TIME", defaultValue = "15s",
      description = "each measured phase: 500ms, 5s, 1m (1s..24h) [default ${DEFAULT-VALUE}]")
  public String duration;
  @Option(names = "--repetitions", paramLabel = "N", defaultValue = "3",
      description = "baseline -> measured -> baseline repetitions, 1..100 [default ${DEFAULT-VALUE}]")
  public String repetitions;

  private final PrintStream printed;
  private final Map<String, String> env;

  BenchCommand(PrintStream printed, Map<String, String> env) {
    this.printed = printed;
    this.env = env;
  }

  /** The options these flags mean, or why they mean none. */
  public BenchOptions options() throws UsageException {
    return BenchOptions.of(this, RunCommand.DB_URL.valueIn(spec), RunCommand.JAR.valueIn(spec), env);
  }

  @Override
  public Integer call() {
    BenchOptions options;
    try {
      options = options();
    } catch (UsageException e) {
      throw new CommandFailure(ExitCodes.USAGE, e.getMessage());
    }
    try {
      new BenchRun(options, printed).run();
      return ExitCodes.OK;
    } catch (Exception e) {
      throw new CommandFailure(ExitCodes.FAILED, "bench could not run: " + e.getMessage());
    }
  }
}
