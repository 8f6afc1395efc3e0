package dev.coordinator.cli;

import dev.coordinator.Main;
import dev.coordinator.config.ConfigReader;
import dev.coordinator.config.CoordinatorConfig;
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

  /** A command that runs on the service's settings (every flag of api.md §1, with its variable). */
  abstract static class Configured implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;

    abstract void run(CoordinatorConfig config);

    @Override
    public Integer call() {
      run(ConfigReader.read(spec));
      return ExitCodes.OK;
    }
  }

  @Command(name = "serve", description = "Run the service (embedded PostgreSQL when no database is configured).")
  static final class Serve extends Configured {
    @Override
    void run(CoordinatorConfig config) {
      Main.serve(config);
    }
  }

  @Command(name = "migrate", description = "Apply the database migrations and exit.")
  static final class Migrate extends Configured {
    @Override
    void run(CoordinatorConfig config) {
      Main.migrate(config);
    }
  }

  @Command(name = "agent", description = "Manage agents.", subcommands = AgentAdd.class)
  static final class Agent extends CommandGroup {
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
