package dev.coordinator.stress.bench;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.service.Agents;
import dev.coordinator.stress.service.EmbeddedServer;
import dev.coordinator.stress.service.LocalDatabase;
import dev.coordinator.stress.service.NodeProcess;
import dev.coordinator.stress.service.Nodes;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The services a bench measures, each started on demand from the service jar on a fresh database
 * of its own on one PostgreSQL server, with the service's defaults and only the flags a goal needs.
 * Closing stops them all and drops their databases.
 */
final class BenchServices implements AutoCloseable {
  /** The service's own state, emptied between runs (the audit trail is append-only and stays). */
  static final String RESET = "TRUNCATE locks, lock_waits, task_claims, task_dependencies, tasks CASCADE";

  /** The service's defaults (ConfigReader), passed explicitly because the node launcher always sets them. */
  static final int DEFAULT_SESSION_TIMEOUT_SECONDS = 120;
  static final long DEFAULT_SWEEP_MILLIS = 1000;

  /** Which service: a name, its node count and the flags beyond the defaults. */
  record Kind(String name, int nodes, List<String> flags) {
    static final Kind CEDAR = new Kind("cedar", 1, List.of("--policy-engine", "cedar"));
    static final Kind NATIVE = new Kind("native", 1, List.of("--policy-engine", "native"));
    static final Kind CLUSTER = new Kind("cluster", 2, List.of("--policy-engine", "cedar"));
  }

  /** A running service: its nodes' URLs and its database. */
  record Running(Kind kind, List<URI> urls, LocalDatabase database) {
  }

  private final BenchOptions options;
  private final PrintStream console;
  private final EmbeddedServer embedded;
  private final DatabaseUrl server;
  private final Agents agents;
  private final Path agentsFile;
  private final String unique = "bench_" + HexFormat.of().toHexDigits(System.nanoTime()).substring(6);
  private final Map<Kind, Running> running = new LinkedHashMap<>();
  private final List<Nodes> nodes = new ArrayList<>();
  private boolean closed;

  private BenchServices(BenchOptions options, PrintStream console, EmbeddedServer embedded, DatabaseUrl server, Agents agents,
                        Path agentsFile) {
    this.options = options;
    this.console = console;
    this.embedded = embedded;
    this.server = server;
    this.agents = agents;
    this.agentsFile = agentsFile;
  }

  /** The PostgreSQL server (the given one, or an embedded one under the output directory) and the agents. */
  static BenchServices open(BenchOptions options, int writers, PrintStream console) throws IOException {
    if (!Files.isRegularFile(options.jar())) {
      throw new IllegalStateException("no service jar at " + options.jar() + " (build it: mvn -DskipTests package)");
    }
    Path agentsFile = options.out().resolve("agents.json").toAbsolutePath();
    Agents agents = Agents.generate(writers, agentsFile);
    EmbeddedServer embedded = options.dbUrl() == null ? EmbeddedServer.start(options.out().resolve("pg").toAbsolutePath()) : null;
    return new BenchServices(options, console, embedded, embedded == null ? options.dbUrl() : embedded.url(), agents, agentsFile);
  }

  Agents agents() {
    return agents;
  }

  DatabaseUrl server() {
    return server;
  }

  /** The process ids of every node started so far (for {@link CpuMeter}). */
  synchronized List<Long> nodePids() {
    return nodes.stream().flatMap(started -> started.all().stream()).map(NodeProcess::pid)
        .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong).toList();
  }

  /** The service of that kind, started the first time it is asked for. */
  synchronized Running get(Kind kind) {
    return running.computeIfAbsent(kind, this::start);
  }

  private Running start(Kind kind) {
    String name = unique + "_" + kind.name();
    LocalDatabase database = LocalDatabase.create(server, name);
    try {
      console.printf("bench: starting the %s service (%d node(s), %s) on database %s%n", kind.name(), kind.nodes(),
          String.join(" ", kind.flags()), name);
      Nodes started = Nodes.start(kind.nodes(), new Nodes.Settings(options.jar().toAbsolutePath(), options.nodeJavaOptions(),
          database.url(), agentsFile, DEFAULT_SESSION_TIMEOUT_SECONDS, DEFAULT_SWEEP_MILLIS, name.replace('_', '-'),
          options.out().toAbsolutePath(), kind.flags()));
      nodes.add(started);
      return new Running(kind, started.urls(), database);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  /** Idempotent: the bench's shutdown hook may call it too. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      nodes.forEach(Nodes::close);
      running.values().forEach(service -> service.database().close());
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
