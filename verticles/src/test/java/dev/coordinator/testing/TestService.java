package dev.coordinator.testing;

import dev.coordinator.Coordinator;
import dev.coordinator.cluster.Node;
import dev.coordinator.config.ConfigReader;
import dev.coordinator.config.CoordinatorConfig;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.ServiceLogin;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The whole service, deployed as {@code serve} deploys it, on a fresh database of its own and a
 * free port. Agents are created through the same store the launcher uses.
 */
public final class TestService implements AutoCloseable {
  private final TestDatabase database;
  /** False for a further node on another node's database: that node drops the database. */
  private final boolean ownsDatabase;
  private final Node node;
  private final Coordinator coordinator;
  private final CoordinatorConfig config;
  private final Http http;
  private boolean stopped;

  private TestService(TestDatabase database, boolean ownsDatabase, Node node, Coordinator coordinator,
                      CoordinatorConfig config) {
    this.database = database;
    this.ownsDatabase = ownsDatabase;
    this.node = node;
    this.coordinator = coordinator;
    this.config = config;
    this.http = new Http(config.httpPort());
  }

  /** Starts with default settings; {@code flags} are {@code serve} flags (e.g. "--enforcement", "shadow"). */
  public static TestService start(String... flags) {
    return start(UnaryOperator.identity(), flags);
  }

  /** Starts on the URL {@code route} makes of the test database's (e.g. through a proxy). */
  public static TestService start(UnaryOperator<DatabaseUrl> route, String... flags) {
    TestDatabase database = TestDatabase.create();
    try {
      return deploy(database, true, route.apply(database.url()), flags);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  /**
   * Starts another node on this node's database (the database stays this node's to drop). With
   * {@link #clusterFlags} both nodes join one cluster; without, they share only the database.
   */
  public TestService another(String... flags) {
    return deploy(database, false, database.url(), flags);
  }

  /**
   * Flags that make a node join the cluster {@code name} on loopback: a name of its own per test,
   * so that two builds on one machine never form one cluster.
   */
  public static String[] clusterFlags(String name) {
    return new String[] {"--cluster", "--cluster-port", "0", "--cluster-name", name,
        "--cluster-members", "127.0.0.1:5701-5730"};
  }

  private static TestService deploy(TestDatabase database, boolean ownsDatabase, DatabaseUrl url, String... flags) {
    CoordinatorConfig config = ConfigReader.read(List.of(flags), Map.of())
        .withDbUrl(url.url())
        .withHttpPort(freePort());
    Node node;
    try {
      node = config.cluster().enabled()
          ? Node.join(config.cluster(), config.eventLoops()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS)
          : Node.standalone(config.eventLoops());
    } catch (Exception e) {
      throw new IllegalStateException("could not join the cluster", e);
    }
    try {
      Coordinator coordinator = Coordinator.deploy(node, config, url)
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new TestService(database, ownsDatabase, node, coordinator, config);
    } catch (Exception e) {
      node.close();
      throw new IllegalStateException("could not start the service", e);
    }
  }

  /** Creates (or updates) an agent and returns its key. */
  public String agent(String id, String type, int trust) {
    return database.agent(id, type, trust);
  }

  public Http http() {
    return http;
  }

  public TestDatabase database() {
    return database;
  }

  /** The database as the running service's connections log in to it (user, password). */
  public DatabaseUrl serviceDatabase() {
    return coordinator.database();
  }

  public Vertx vertx() {
    return node.vertx();
  }

  public Node node() {
    return node;
  }

  public CoordinatorConfig config() {
    return config;
  }

  /** Undeploys the service as SIGTERM does (the HTTP entry first, letting requests in flight finish). */
  public void stopService() throws Exception {
    stopped = true;
    coordinator.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /**
   * Stops this node as a crash would: its Vert.x closes (leaving the cluster) without the service
   * shutting down first, so nothing answers or cleans up its waits.
   */
  public void crash() throws Exception {
    stopped = true;
    node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      if (!stopped) {
        coordinator.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the service", e);
    } finally {
      dropServiceLogin();
      if (ownsDatabase) {
        database.close();
      }
    }
  }

  // Each test service has a login role of its own (its port is part of the name); roles are server-wide.
  private void dropServiceLogin() {
    String login = coordinator.database().connectOptions().getUser();
    if (login.startsWith(ServiceLogin.ROLE_PREFIX)) {
      database.execute("DROP ROLE IF EXISTS \"" + login + "\"");
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
