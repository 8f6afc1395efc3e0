package dev.coordinator;

import dev.coordinator.agent.AgentSpec;
import dev.coordinator.agent.AgentStore;
import dev.coordinator.agent.AgentsFile;
import dev.coordinator.agent.ApiKeys;
import dev.coordinator.cluster.Node;
import dev.coordinator.config.ClusterSettings;
import dev.coordinator.config.ConfigException;
import dev.coordinator.config.ConfigReader;
import dev.coordinator.config.CoordinatorConfig;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.EmbeddedDatabase;
import dev.coordinator.db.Migrations;
import dev.coordinator.mcp.StdioBridge;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code bin/coordinator serve | migrate | agent add}: api.md §1. */
public final class Main {
  static final String USAGE = """
      usage: coordinator serve [flags]              run the service
             coordinator migrate [flags]            apply database migrations and exit
             coordinator agent add --id ID --type TYPE --trust N [flags]
                                                    create an agent (or give it a new key) and print its key
             coordinator mcp-stdio                  relay MCP over stdio to a running service
                                                    (COORDINATOR_URL, COORDINATOR_KEY from the environment)
      flags: --db-url, --http-host, --http-port, --agents-file, --policy-engine, --enforcement,
             --cluster, --cluster-host, --cluster-port, --cluster-members, --cluster-name,
             --cluster-tls-cert, --cluster-tls-key, --cluster-tls-ca (docs/cluster.md),
             --session-timeout, --sweep-interval, --body-limit, --db-pool-size,
             --data-dir, --allowed-hosts, --policy-dir, --metrics-public (see README.md)""";

  private static final PrintStream OUT = System.out;
  private static final long SHUTDOWN_SECONDS = 30;

  private Main() {
  }

  public static void main(String[] args) {
    List<String> arguments = Arrays.asList(args);
    try {
      if (arguments.isEmpty()) {
        fail(USAGE);
      }
      switch (arguments.get(0)) {
        case "serve" -> serve(ConfigReader.read(arguments.subList(1, arguments.size()), System.getenv()));
        case "migrate" -> migrate(ConfigReader.read(arguments.subList(1, arguments.size()), System.getenv()));
        case "agent" -> agent(arguments.subList(1, arguments.size()));
        case "mcp-stdio" -> System.exit(StdioBridge.run(System.getenv()));
        case "help", "--help", "-h" -> OUT.println(USAGE);
        default -> fail("unknown command " + arguments.get(0) + "\n" + USAGE);
      }
    } catch (java.io.IOException e) {
      System.err.println("coordinator: " + e.getMessage());
      System.exit(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.exit(1);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("coordinator: " + e.getMessage());
      System.exit(2);
    }
  }

  private static void serve(CoordinatorConfig config) {
    EmbeddedDatabase embedded = config.embeddedDatabase() ? EmbeddedDatabase.start(config.dataDir()) : null;
    DatabaseUrl database = embedded != null ? embedded.url() : new DatabaseUrl(config.dbUrl());
    try {
      Migrations.migrate(database);
      loadAgents(config, database, embedded != null);
    } catch (RuntimeException e) {
      closeQuietly(embedded);
      throw e;
    }
    Node node = start(config.cluster(), embedded);
    Coordinator coordinator;
    try {
      coordinator = Coordinator.deploy(node, config, database).await();
    } catch (Exception e) {
      node.close().await();
      closeQuietly(embedded);
      System.err.println("coordinator: could not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      OUT.println("coordinator: shutting down");
      try {
        coordinator.close().toCompletionStage().toCompletableFuture().get(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
        node.close().toCompletionStage().toCompletableFuture().get(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("coordinator: unclean shutdown: " + e.getMessage());
      } finally {
        closeQuietly(embedded);
        stopped.countDown();
      }
    }, "coordinator-shutdown"));
    OUT.printf("coordinator: listening on http://%s:%d (database %s)%n", config.httpHost(), config.httpPort(),
        embedded != null ? "embedded, " + config.dataDir().resolve("pg") : database);
    node.members().ifPresent(members -> OUT.printf("coordinator: node %s joined the cluster (%d members)%n", node.id(),
        members));
    OUT.flush();
    awaitQuietly(stopped);
  }

  private static void migrate(CoordinatorConfig config) {
    withDatabase(config, database -> {
      var result = Migrations.migrate(database);
      OUT.printf("coordinator: schema at version %s (%d migrations applied)%n", result.targetSchemaVersion,
          result.migrationsExecuted);
    });
  }

  private static void agent(List<String> arguments) {
    if (arguments.isEmpty() || !arguments.get(0).equals("add")) {
      fail("usage: coordinator agent add --id ID --type TYPE --trust N");
    }
    var parsed = ConfigReader.readLenient(arguments.subList(1, arguments.size()), System.getenv());
    Map<String, String> flags = parsed.otherFlags();
    for (String flag : flags.keySet()) {
      if (!List.of("--id", "--type", "--trust").contains(flag)) {
        fail("unknown argument " + flag);
      }
    }
    AgentSpec agent = new AgentSpec(flags.get("--id"), flags.get("--type"), trust(flags.get("--trust")),
        ApiKeys.generate());
    withDatabase(parsed.config(), database -> {
      Migrations.migrate(database);
      boolean created = store(database, List.of(agent), "agent add").get(0);
      OUT.printf("%s agent %s (type %s, trust %d). Its API key, shown only now:%n%s%n",
          created ? "created" : "gave a new key to", agent.id(), agent.type(), agent.trust(), agent.key());
    });
  }

  private static int trust(String text) {
    try {
      return Integer.parseInt(text == null ? "" : text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--trust must be a number 0..4");
    }
  }

  private static void loadAgents(CoordinatorConfig config, DatabaseUrl database, boolean embedded) {
    if (config.agentsFile() != null) {
      try {
        store(database, AgentsFile.read(config.agentsFile()), "agents file " + config.agentsFile());
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot read agents file " + config.agentsFile() + ": " + e.getMessage());
      }
    }
    if (embedded && count(database) == 0) {
      List<AgentSpec> demo = List.of(
          new AgentSpec("alice", "claude_code", 2, ApiKeys.generate()),
          new AgentSpec("root", "operator", 4, ApiKeys.generate()));
      store(database, demo, "demo agents");
      OUT.println("coordinator: created demo agents (keys are shown only now; only their hashes are stored):");
      demo.forEach(agent -> OUT.printf("  %-6s type %-12s trust %d  key %s%n", agent.id(), agent.type(), agent.trust(),
          agent.key()));
      OUT.printf("  try: curl -s -H 'Authorization: Bearer %s' http://%s:%d/v1/locks%n", demo.get(0).key(),
          config.httpHost(), config.httpPort());
    }
  }

  private static List<Boolean> store(DatabaseUrl database, List<AgentSpec> agents, String via) {
    try {
      return new AgentStore(database).upsert(agents, via);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("could not store agents: " + e.getMessage(), e);
    }
  }

  private static long count(DatabaseUrl database) {
    try {
      return new AgentStore(database).count();
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("could not count agents: " + e.getMessage(), e);
    }
  }

  /** Runs {@code work} on the configured database, or the embedded one (the running one, if serve has it up). */
  private static void withDatabase(CoordinatorConfig config, java.util.function.Consumer<DatabaseUrl> work) {
    if (!config.embeddedDatabase()) {
      work.accept(new DatabaseUrl(config.dbUrl()));
      return;
    }
    DatabaseUrl running = EmbeddedDatabase.running(config.dataDir());
    if (running != null) {
      work.accept(running);
      return;
    }
    try (EmbeddedDatabase embedded = EmbeddedDatabase.start(config.dataDir())) {
      work.accept(embedded.url());
    }
  }

  /** This node's Vert.x, clustered if asked; a node that cannot join says why on one line and exits 2. */
  private static Node start(ClusterSettings cluster, EmbeddedDatabase embedded) {
    if (!cluster.enabled()) {
      return Node.standalone();
    }
    try {
      return Node.join(cluster).await();
    } catch (Exception e) {
      closeQuietly(embedded);
      Throwable cause = e;
      while (cause.getCause() != null && cause.getMessage() == null) {
        cause = cause.getCause();
      }
      System.err.println("coordinator: cannot join the cluster on " + cluster.host() + ":" + cluster.port() + ": "
          + String.valueOf(cause.getMessage()).replace('\n', ' '));
      System.exit(2);
      return null;
    }
  }

  private static void closeQuietly(EmbeddedDatabase embedded) {
    if (embedded != null) {
      embedded.close();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void fail(String message) {
    System.err.println(message);
    System.exit(2);
  }
}
