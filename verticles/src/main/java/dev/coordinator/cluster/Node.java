package dev.coordinator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.coordinator.config.ClusterSettings;
import dev.coordinator.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node: its Vert.x instance, its id and, when clustered, the members it sees (api.md §7).
 * Membership is Hazelcast's (TCP join, no multicast); nothing the service must get right lives in
 * the cluster: locks, claims, lines of waiters and sessions are in PostgreSQL, which is why a
 * node may be told about a member leaving late or twice without harm.
 */
public final class Node {
  /** How long a silent member stays a member; correctness never waits for this (it lives in the database). */
  static final int MEMBER_TIMEOUT_SECONDS = 10;

  private final Vertx vertx;
  private final String id;
  private final ClusterManager manager;
  private final Metrics metrics;
  private final List<Consumer<String>> leftListeners = new CopyOnWriteArrayList<>();

  private Node(Vertx vertx, String id, ClusterManager manager, Metrics metrics) {
    this.vertx = vertx;
    this.id = id;
    this.manager = manager;
    this.metrics = metrics;
  }

  /** A node on its own with {@code eventLoops} event-loop threads: no cluster, an id of its own, its Vert.x reporting to its own metrics. */
  public static Node standalone(int eventLoops) {
    Metrics metrics = new Metrics();
    return new Node(metrics.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops)).build(), UUID.randomUUID().toString(),
        null, metrics);
  }

  /** Starts Vert.x as a member of the cluster {@code settings} describe; fails if it cannot bind or join. */
  public static Future<Node> join(ClusterSettings settings, int eventLoops) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(settings));
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops).setEventBusOptions(eventBus(settings));
    Metrics metrics = new Metrics();
    return metrics.vertx(options).withClusterManager(manager).buildClustered().map(vertx -> {
      Node node = new Node(vertx, manager.getNodeId(), manager, metrics);
      manager.nodeListener(node.listener());
      return node;
    });
  }

  /**
   * The event bus between nodes: on the cluster host, and with mutual TLS when configured, so a
   * peer without a certificate from the cluster's CA can neither send nor receive bus messages.
   * Vert.x checks the chain, not the peer's host name: the CA must sign cluster nodes only.
   */
  private static EventBusOptions eventBus(ClusterSettings settings) {
    EventBusOptions options = new EventBusOptions().setHost(settings.host()).setClusterPublicHost(settings.host());
    ClusterSettings.Tls tls = settings.tls();
    if (tls == null) {
      return options;
    }
    // Vert.x's event bus client trusts any server unless told otherwise (EventBusOptions.DEFAULT_TRUST_ALL).
    return options.setSsl(true).setTrustAll(false)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
        .setClientAuth(ClientAuth.REQUIRED);
  }

  private static Config hazelcast(ClusterSettings settings) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(settings.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.local.localAddress", settings.host());
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(MEMBER_TIMEOUT_SECONDS));
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = config.getNetworkConfig();
    boolean anyPort = settings.port() == 0;
    network.setPort(anyPort ? 5701 : settings.port()).setPortAutoIncrement(anyPort);
    network.getInterfaces().setEnabled(true).addInterface(settings.host());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    return config;
  }

  private NodeListener listener() {
    return new NodeListener() {
      @Override
      public void nodeAdded(String nodeId) {
      }

      @Override
      public void nodeLeft(String nodeId) {
        leftListeners.forEach(listener -> listener.accept(nodeId));
      }
    };
  }

  public Vertx vertx() {
    return vertx;
  }

  /** This node's meters, Vert.x's own among them. */
  public Metrics metrics() {
    return metrics;
  }

  /** This node's id: its cluster member id when clustered, else a random one per start. */
  public String id() {
    return id;
  }

  /** How many members this node sees, itself included; empty when not clustered. */
  public OptionalInt members() {
    return manager == null ? OptionalInt.empty() : OptionalInt.of(manager.getNodes().size());
  }

  /** Calls {@code listener} (on a Hazelcast thread) with the id of each member that leaves the cluster. */
  public void onMemberLeft(Consumer<String> listener) {
    leftListeners.add(listener);
  }

  /** Leaves the cluster (if any) and closes Vert.x. */
  public Future<Void> close() {
    return vertx.close();
  }
}
