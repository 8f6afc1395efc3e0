package dev.coordinator.stress;

import dev.coordinator.cli.CommandFailure;
import dev.coordinator.cli.ExitCodes;
import dev.coordinator.cli.HelpFlag;
import dev.coordinator.stress.check.CheckSettings;
import dev.coordinator.stress.check.Checker;
import dev.coordinator.stress.history.History;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code bin/stress check DIR}: checks a recorded history again, e.g. after a change to the checker; prints the violations. */
@Command(name = "check", description = {"Check DIR/history.jsonl again, with the settings in DIR/results.json.",
    "Exit 0 when no invariant is violated, 1 when one is, 2 when DIR cannot be read."})
final class CheckCommand implements Callable<Integer> {
  @Mixin
  HelpFlag help;
  @Parameters(paramLabel = "DIR", description = "the --out directory of a run")
  Path dir;

  private final PrintStream printed;

  CheckCommand(PrintStream printed) {
    this.printed = printed;
  }

  @Override
  public Integer call() {
    try {
      JsonObject results = new JsonObject(Files.readString(dir.resolve("results.json")));
      Checker.Verdict verdict = Checker.check(
          History.read(dir.resolve("history.jsonl")),
          CheckSettings.fromJson(results.getJsonObject("check_settings")));
      verdict.violations().forEach(v -> printed.printf("stress: VIOLATION %s (seed %d): %s%n", v.invariant(),
          results.getLong("seed"), v.detail()));
      printed.printf("stress: %d operations checked, %d violation(s)%n", verdict.operations(), verdict.violations().size());
      return verdict.ok() ? ExitCodes.OK : ExitCodes.FAILED;
    } catch (IOException | RuntimeException e) {
      throw new CommandFailure(ExitCodes.USAGE, "could not check " + dir + ": " + e.getMessage());
    }
  }
}
