package dev.coordinator.cli;

import dev.coordinator.Main;
import dev.coordinator.config.ConfigReader;
import dev.coordinator.mcp.StdioBridge;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The commands that run the service or work on its database directly (api.md §1); the settings flags are added by {@link Cli}. */
final class ServiceCommands {
  private ServiceCommands() {
  }

  @Command(name = "serve", description = "Run the service (embedded PostgreSQL when no database is configured).")
  static final class Serve implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;

    @Override
    public Integer call() {
      Main.serve(ConfigReader.read(spec));
      return ExitCodes.OK;
    }
  }

  @Command(name = "migrate", description = "Apply the database migrations and exit.")
  static final class Migrate implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;

    @Override
    public Integer call() {
      Main.migrate(ConfigReader.read(spec));
      return ExitCodes.OK;
    }
  }

  @Command(name = "agent", description = "Manage agents.", subcommands = AgentAdd.class)
  static final class Agent implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;

    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getErr());
      return ExitCodes.USAGE;
    }
  }

  @Command(name = "add", description = "Create an agent (or give it a new key) and print its key, shown only once.")
  static final class AgentAdd implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;
    @Option(names = "--id", required = true, paramLabel = "ID", description = "the agent's id")
    String id;
    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "its type (claude_code, operator, ...)")
    String type;
    @Option(names = "--trust", required = true, paramLabel = "N", description = "trust level 0..4 (api.md §1)")
    String trust;

    @Override
    public Integer call() {
      Main.addAgent(ConfigReader.read(spec), id, type, trust);
      return ExitCodes.OK;
    }
  }

  @Command(name = "mcp-stdio", description = {"Relay MCP over stdio to a running service.",
      "Reads COORDINATOR_URL (comma-separated nodes) and COORDINATOR_KEY from the environment."})
  static final class McpStdio implements Callable<Integer> {
    private final Map<String, String> env;
    @Mixin
    HelpFlag help;

    McpStdio(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() throws Exception {
      return StdioBridge.run(env);
    }
  }
}
