package dev.coordinator.cli;

import dev.coordinator.config.ConfigException;
import dev.coordinator.config.ConfigReader;
import dev.coordinator.config.EnvOption;
import dev.coordinator.config.EnvironmentDefaults;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code bin/coordinator}'s command line, in one place: every command, its flags and their
 * environment variables (the default provider), help, typo hints and shell completion come from
 * this tree. Exit codes: {@link ExitCodes}.
 */
public final class Cli {
  /** Wide enough that no default (a URL, a member list) is broken across lines. */
  private static final int USAGE_WIDTH = 110;

  private Cli() {
  }

  @Command(name = "coordinator", synopsisSubcommandLabel = "COMMAND",
      description = "Coordinates coding agents: locks, a work queue, sessions, policy and audit (README.md).",
      footer = {"", "Flags beat environment variables, which beat defaults. 'coordinator COMMAND --help' lists a command's flags.",
          "Exit codes: 0 ok, 1 failed or found a problem (broken audit chain, degraded service), 2 usage, settings or",
          "an unreachable service, 3 the service refused the key."})
  static final class Root extends CommandGroup {
  }

  /** Runs {@code args} as {@code bin/coordinator} does, reading variables from {@code env}; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cli = build(env);
    cli.setOut(out);
    cli.setErr(err);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The whole tree, its defaults taken from {@code env}. */
  static CommandLine build(Map<String, String> env) {
    CommandLine root = new CommandLine(new Root())
        .addSubcommand(new ServiceCommands.Serve())
        .addSubcommand(new ServiceCommands.Migrate())
        .addSubcommand(new ServiceCommands.Agent())
        .addSubcommand(new ServiceCommands.McpStdio(env))
        .addSubcommand(new OperatorCommands.Status())
        .addSubcommand(new OperatorCommands.Locks())
        .addSubcommand(new OperatorCommands.Tasks())
        .addSubcommand(new OperatorCommands.Audit())
        .addSubcommand(new CommandLine.HelpCommand())
        .addSubcommand(new AutoComplete.GenerateCompletion());
    Map<String, CommandLine> commands = root.getSubcommands();
    Stream.of(commands.get("serve"), commands.get("migrate"), commands.get("agent").getSubcommands().get("add"))
        .forEach(command -> ConfigReader.addTo(command.getCommandSpec()));
    Stream.of(commands.get("status"), commands.get("locks"), commands.get("tasks"),
            commands.get("audit").getSubcommands().get("verify"))
        .forEach(command -> Remote.OPTIONS.forEach(option -> option.addTo(command.getCommandSpec())));
    commands.get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    List<EnvOption> envOptions = Stream.concat(ConfigReader.SETTINGS.stream(), Remote.OPTIONS.stream()).toList();
    return configure(root, "coordinator", env, envOptions);
  }

  /**
   * What every command line of the project shares ({@code bin/coordinator}, {@code bin/stress}):
   * {@code envOptions} default to their variables in {@code env}, a usage error prints one line
   * starting with {@code program}, a "did you mean" and where the help is, and exits
   * {@link ExitCodes#USAGE}; a {@link CommandFailure} exits with its own code.
   */
  public static CommandLine configure(CommandLine root, String program, Map<String, String> env,
                                      List<EnvOption> envOptions) {
    return root
        .setOverwrittenOptionsAllowed(true)
        .setUsageHelpWidth(USAGE_WIDTH)
        .setDefaultValueProvider(new EnvironmentDefaults(env, envOptions))
        .setParameterExceptionHandler((error, args) -> usageError(program, error))
        .setExecutionExceptionHandler((failure, command, parsed) -> failed(program, failure, command.getErr()));
  }

  private static int usageError(String program, CommandLine.ParameterException error) {
    CommandLine command = error.getCommandLine();
    PrintWriter err = command.getErr();
    err.println(program + ": " + error.getMessage());
    if (error instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
      err.println("Did you mean: " + String.join(" or ", unmatched.getSuggestions()) + "?");
    }
    err.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for its commands and flags.");
    return ExitCodes.USAGE;
  }

  private static int failed(String program, Exception failure, PrintWriter err) {
    if (failure instanceof CommandFailure known) {
      err.println(program + ": " + known.getMessage());
      return known.exitCode();
    }
    if (failure instanceof ConfigException || failure instanceof IllegalArgumentException) {
      err.println(program + ": " + failure.getMessage());
      return ExitCodes.USAGE;
    }
    if (failure instanceof IOException) {
      err.println(program + ": " + failure.getMessage());
      return ExitCodes.FAILED;
    }
    failure.printStackTrace(err);
    return ExitCodes.FAILED;
  }
}
