package dev.coordinator.stress;

import dev.coordinator.cli.CommandFailure;
import dev.coordinator.cli.ExitCodes;
import dev.coordinator.cli.HelpFlag;
import dev.coordinator.config.EnvOption;
import dev.coordinator.stress.fault.Fault;
import dev.coordinator.stress.fault.Faults;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/stress run} (api.md §8, docs/stress.md): the flags as given; {@link RunOptions#of}
 * checks them. Exit 0 when no invariant is violated, 1 when one is, 2 on a usage or start-up error.
 */
@Command(name = "run", description = {"Run a workload against a service it starts (or --target), record a history and check it.",
    "Exit 0 when no invariant is violated, 1 when one is (printed with the seed), 2 on a usage or start-up error.",
    "Ctrl-C or SIGTERM ends it early: the clients stop, and what ran is still checked and written."})
final class RunCommand implements Callable<Integer> {
  static final EnvOption DB_URL = new EnvOption("--db-url", "STRESS_DB_URL", null, "URL",
      "an administrator's URL of a PostgreSQL server: the run creates a fresh database on it and drops it;"
          + " without one, an embedded PostgreSQL under DIR/pg (with --target: the service's database, for kill-db-connections)");
  static final EnvOption JAR = new EnvOption("--jar", "COORDINATOR_JAR", "verticles/target/coordinator.jar", "PATH",
      "the service jar the nodes run");
  static final List<EnvOption> ENV_OPTIONS = List.of(DB_URL, JAR);

  @Spec
  CommandSpec spec;
  @Mixin
  HelpFlag help;
  @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "mixed",
      description = "locks, queue, sessions or mixed [default ${DEFAULT-VALUE}]")
  String scenario;
  @Option(names = "--nodes", paramLabel = "N", defaultValue = "1",
      description = "nodes to start, 1..30; more than one form a cluster [default ${DEFAULT-VALUE}]")
  String nodes;
  @Option(names = "--clients", paramLabel = "M", defaultValue = "8",
      description = "concurrent clients, one agent of trust 2 each [default ${DEFAULT-VALUE}]")
  String clients;
  @Option(names = "--duration", paramLabel = "TIME", defaultValue = "60s",
      description = "500ms, 30s, 20m, 1h (1s..24h) [default ${DEFAULT-VALUE}]")
  String duration;
  @Option(names = "--max-ops", paramLabel = "N", defaultValue = "10000000",
      description = "the run also stops after this many client calls [default ${DEFAULT-VALUE}]")
  String maxOperations;
  @Option(names = "--seed", paramLabel = "S", description = "decides the clients' choices and the fault schedule [default random, printed]")
  String seed;
  @Option(names = "--faults", paramLabel = "LIST",
      description = "comma-separated: kill-node, pause-node, kill-db-connections, restart-db, client-crash, or all [default none]")
  String faults;
  @Option(names = "--out", paramLabel = "DIR", description = "where the outputs go [default stress-out/<time>]")
  String out;
  @Option(names = "--session-timeout", paramLabel = "S",
      description = "the nodes' session timeout in seconds [default 5; 120 with --target]")
  String sessionTimeout;
  @Option(names = "--sweep-interval", paramLabel = "MS", description = "the nodes' sweep interval [default 250; 1000 with --target]")
  String sweepInterval;
  @Option(names = "--clock-uncertainty", paramLabel = "MS", defaultValue = "10",
      description = "how far the harness's and the database's clocks may disagree [default ${DEFAULT-VALUE}]")
  String clockUncertainty;
  @Option(names = "--target", paramLabel = "URL[,URL]", description = "drive a service that is already running instead of starting one")
  String target;
  @Option(names = "--agents-file", paramLabel = "FILE",
      description = "with --target: JSON {\"agents\":[{\"id\",\"type\",\"trust\",\"key\"}]} (docs/stress.md)")
  String agentsFile;
  @Option(names = "--allow-remote-target", description = "accept a --target outside 127.0.0.0/8")
  boolean allowRemoteTarget;

  private final List<Fault> extraFaults;
  private final PrintStream printed;
  private final Map<String, String> env;

  /** {@code extraFaults}: faults beyond the command line's, for the build's proof that the checker bites. */
  RunCommand(List<Fault> extraFaults, PrintStream printed, Map<String, String> env) {
    this.extraFaults = extraFaults;
    this.printed = printed;
    this.env = env;
  }

  /** The options these flags mean, or why they mean none. */
  RunOptions options() throws UsageException {
    List<Fault> parsedFaults;
    try {
      parsedFaults = Faults.parse(faults);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return RunOptions.of(this, parsedFaults, DB_URL.valueIn(spec), JAR.valueIn(spec), env);
  }

  @Override
  public Integer call() throws Exception {
    RunOptions options;
    try {
      options = options();
    } catch (UsageException e) {
      throw new CommandFailure(ExitCodes.USAGE, e.getMessage());
    }
    try {
      return new StressRun(options, extraFaults, printed).run().getBoolean("ok") ? ExitCodes.OK : ExitCodes.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure(ExitCodes.USAGE, "interrupted");
    } catch (Exception e) {
      throw new CommandFailure(ExitCodes.USAGE, "could not run: " + e.getMessage());
    }
  }
}
