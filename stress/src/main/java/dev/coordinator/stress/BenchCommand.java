package dev.coordinator.stress;

import dev.coordinator.cli.ExitCodes;
import dev.coordinator.cli.HelpFlag;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/stress bench} (api.md §8): the flags; the measuring is {@link #bench}'s. */
@Command(name = "bench", description = {"Measure the goals of performance.md as ratios against raw SQL in the same run;",
    "print the table and write DIR/bench.json and DIR/bench.png."})
final class BenchCommand implements Callable<Integer> {
  @Mixin
  HelpFlag help;
  @Option(names = "--only", paramLabel = "G1,G6", description = "only these goals [default all]")
  String only;
  @Option(names = "--out", paramLabel = "DIR", description = "where the outputs go [default stress-out/<time>]")
  String out;

  private final PrintStream errors;

  BenchCommand(PrintStream errors) {
    this.errors = errors;
  }

  @Override
  public Integer call() {
    return bench();
  }

  private int bench() {
    errors.println("stress: bench is not built yet (performance.md); see docs/stress.md");
    return ExitCodes.USAGE;
  }
}
