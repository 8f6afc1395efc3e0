package dev.coordinator;

import dev.coordinator.agent.AgentSpec;
import dev.coordinator.agent.AgentStore;
import dev.coordinator.agent.AgentsFile;
import dev.coordinator.agent.ApiKeys;
import dev.coordinator.cli.Cli;
import dev.coordinator.cluster.Node;
import dev.coordinator.config.ClusterSettings;
import dev.coordinator.config.CoordinatorConfig;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.EmbeddedDatabase;
import dev.coordinator.db.Migrations;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/coordinator}: the command line ({@link Cli}) and what its service commands do
 * (api.md §1). Exits with the command's code (README: 0 ok, 1 failed, 2 usage, 3 key refused).
 */
public final class Main {
  private static final PrintStream OUT = System.out;
  private static final long SHUTDOWN_SECONDS = 30;

  private Main() {
  }

  public static void main(String[] args) {
    // After serve, the JVM is already shutting down and exit just waits for the shutdown hook.
    System.exit(Cli.run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** {@code serve}: runs the service until SIGTERM. */
  public static void serve(CoordinatorConfig config) {
    EmbeddedDatabase embedded = config.embeddedDatabase() ? EmbeddedDatabase.start(config.dataDir()) : null;
    DatabaseUrl database = embedded != null ? embedded.url() : new DatabaseUrl(config.dbUrl());
    try {
      Migrations.migrate(database);
      loadAgents(config, database, embedded != null);
    } catch (RuntimeException e) {
      closeQuietly(embedded);
      throw e;
    }
    Node node = start(config.cluster(), config.eventLoops(), embedded);
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

  /** {@code migrate}: applies the migrations and exits. */
  public static void migrate(CoordinatorConfig config) {
    withDatabase(config, database -> {
      var result = Migrations.migrate(database);
      OUT.printf("coordinator: schema at version %s (%d migrations applied)%n", result.targetSchemaVersion,
          result.migrationsExecuted);
    });
  }

  /** {@code agent add}: creates the agent, or gives it a new key, and prints the key once. */
  public static void addAgent(CoordinatorConfig config, String id, String type, String trust) {
    AgentSpec agent = new AgentSpec(id, type, trust(trust), ApiKeys.generate());
    withDatabase(config, database -> {
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
  private static Node start(ClusterSettings cluster, int eventLoops, EmbeddedDatabase embedded) {
    if (!cluster.enabled()) {
      return Node.standalone(eventLoops);
    }
    try {
      return Node.join(cluster, eventLoops).await();
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
}
