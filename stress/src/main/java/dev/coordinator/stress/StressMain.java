package dev.coordinator.stress;

import dev.coordinator.cli.Cli;
import dev.coordinator.cli.CommandGroup;
import dev.coordinator.stress.fault.Fault;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/stress} (api.md §8), on the same command-line machinery as {@code bin/coordinator}
 * ({@link Cli#configure}): flags beat their environment variables, which beat defaults; help, typo
 * hints and completion come from the command tree. Exit 0 when no invariant is violated, 1 when
 * one is, 2 on a usage or start-up error.
 */
public final class StressMain {
  @Command(name = "stress", synopsisSubcommandLabel = "COMMAND",
      description = "Stress and benchmark the coordinator (docs/stress.md).",
      footer = {"", "Flags beat environment variables, which beat defaults. 'stress COMMAND --help' lists a command's flags.",
          "Exit codes: 0 no invariant violated, 1 one was (printed with the seed), 2 usage or start-up error."})
  static final class Root extends CommandGroup {
  }

  private StressMain() {
  }

  public static void main(String[] args) {
    System.exit(run(List.of(args), List.of(), System.out, System.err));
  }

  /** {@code extraFaults}: faults beyond the command line's, for the build's proof that the checker bites. */
  static int run(List<String> args, List<Fault> extraFaults, PrintStream out, PrintStream err) {
    PrintWriter outWriter = new PrintWriter(out, true, StandardCharsets.UTF_8);
    PrintWriter errWriter = new PrintWriter(err, true, StandardCharsets.UTF_8);
    CommandLine cli = build(System.getenv(), extraFaults, out, err);
    cli.setOut(outWriter);
    cli.setErr(errWriter);
    try {
      return cli.execute(args.toArray(String[]::new));
    } finally {
      outWriter.flush();
      errWriter.flush();
    }
  }

  /** The whole tree, its defaults taken from {@code env}. */
  public static CommandLine build(Map<String, String> env, List<Fault> extraFaults, PrintStream out, PrintStream err) {
    CommandLine root = new CommandLine(new Root())
        .addSubcommand(new CommandLine(new RunCommand(extraFaults, out, env)))
        .addSubcommand(new CheckCommand(out))
        .addSubcommand(new CommandLine(new BenchCommand(out, env)))
        .addSubcommand(new CommandLine.HelpCommand())
        .addSubcommand(new AutoComplete.GenerateCompletion());
    RunCommand.ENV_OPTIONS.forEach(option -> option.addTo(root.getSubcommands().get("run").getCommandSpec()));
    RunCommand.ENV_OPTIONS.forEach(option -> option.addTo(root.getSubcommands().get("bench").getCommandSpec()));
    root.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    return Cli.configure(root, "stress", env, RunCommand.ENV_OPTIONS);
  }
}
