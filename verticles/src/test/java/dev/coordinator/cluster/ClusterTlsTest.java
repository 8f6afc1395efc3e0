package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.config.ClusterSettings;
import dev.coordinator.config.ConfigException;
import dev.coordinator.config.ConfigReader;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster event bus with {@code --cluster-tls-cert/-key/-ca} (docs/cluster.md, TLS): nodes
 * whose certificates the cluster's CA signed exchange bus messages; a node with a certificate
 * from another CA joins the membership (Hazelcast's traffic is not TLS) but can neither send to
 * nor receive from the others' event bus. The PEM files under {@code cluster-tls/} are test-only,
 * made with openssl: a CA, a node certificate it signed (SAN 127.0.0.1), and a node certificate
 * signed by another CA whose key was thrown away.
 */
class ClusterTlsTest {
  private static final String ADDRESS = "cluster-tls-test";
  /** For messages that must arrive: a first TLS handshake on a busy machine takes seconds. */
  private static final DeliveryOptions PATIENT = new DeliveryOptions().setSendTimeout(60_000);
  /**
   * For messages that must not arrive: a refused handshake fails no request, so the request runs
   * out this timeout, long enough for a handshake that would succeed to have succeeded.
   */
  private static final DeliveryOptions REFUSED = new DeliveryOptions().setSendTimeout(10_000);

  private final String name = "tls-" + UUID.randomUUID();
  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void leave() throws Exception {
    for (Node node : nodes) {
      node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void nodesWithCertificatesOfTheClusterCaExchangeMessagesAndANodeOfAnotherCaIsRefused() throws Exception {
    Node first = join("trusted-node");
    Node second = join("trusted-node");
    List<String> received = new CopyOnWriteArrayList<>();
    await(first.vertx().eventBus().<String>consumer(ADDRESS, message -> {
      received.add(message.body());
      message.reply("pong " + message.body());
    }).completion());
    Message<String> answer = await(second.vertx().eventBus().request(ADDRESS, "from second", PATIENT));
    assertEquals("pong from second", answer.body(), "a bus message crossed between two nodes over TLS");

    Node intruder = join("other-node");
    Await.until("the intruder is a member (membership is not TLS)", () -> first.members().orElseThrow() == 3);
    List<String> leaked = new CopyOnWriteArrayList<>();
    await(intruder.vertx().eventBus().<String>consumer(ADDRESS + ".intruder", message -> leaked.add(message.body()))
        .completion());
    // Both directions at once: the intruder as client (its certificate shown to a trusted node) and as server.
    Future<Message<String>> fromIntruder = intruder.vertx().eventBus().request(ADDRESS, "from intruder", REFUSED);
    Future<Message<String>> toIntruder = first.vertx().eventBus().request(ADDRESS + ".intruder", "secret", REFUSED);
    assertThrows(ExecutionException.class, () -> await(fromIntruder));
    assertThrows(ExecutionException.class, () -> await(toIntruder));
    assertEquals(List.of("from second"), received, "a trusted node took no message from the intruder");
    assertEquals(List.of(), leaked, "no bus message reaches a node whose certificate the cluster CA did not sign");

    answer = await(second.vertx().eventBus().request(ADDRESS, "again", PATIENT));
    assertEquals("pong again", answer.body(), "the trusted nodes still talk");
  }

  @Test
  void tlsFilesComeAllThreeOrNoneAndOnlyWithCluster() {
    List<String> tls = tlsFlags("trusted-node");
    ClusterSettings.Tls read = ConfigReader.read(flags(tls), Map.of()).cluster().tls();
    assertEquals(resource("trusted-ca.pem"), read.ca());
    assertEquals(null, ConfigReader.read(List.of("--cluster"), Map.of()).cluster().tls());
    assertTrue(assertThrows(ConfigException.class, () -> ConfigReader.read(flags(tls.subList(0, 4)), Map.of()))
        .getMessage().contains("needs all of --cluster-tls-cert, --cluster-tls-key, --cluster-tls-ca"));
    assertTrue(assertThrows(ConfigException.class, () -> ConfigReader.read(tls, Map.of()))
        .getMessage().contains("for a node started with --cluster"));
    List<String> missing = new ArrayList<>(tls);
    missing.set(5, "/no/such/ca.pem");
    assertEquals("--cluster-tls-ca: cannot read /no/such/ca.pem",
        assertThrows(ConfigException.class, () -> ConfigReader.read(flags(missing), Map.of())).getMessage());
  }

  private Node join(String certificate) throws Exception {
    ClusterSettings settings = ConfigReader.read(flags(tlsFlags(certificate)), Map.of()).cluster();
    Node node = await(Node.join(settings, 1));
    nodes.add(node);
    return node;
  }

  private List<String> flags(List<String> tls) {
    List<String> flags = new ArrayList<>(List.of(TestService.clusterFlags(name)));
    flags.addAll(tls);
    return flags;
  }

  /** The flags of a node presenting {@code certificate} and trusting the cluster's CA. */
  private static List<String> tlsFlags(String certificate) {
    return List.of("--cluster-tls-cert", resource(certificate + ".pem").toString(),
        "--cluster-tls-key", resource(certificate + ".key").toString(),
        "--cluster-tls-ca", resource("trusted-ca.pem").toString());
  }

  private static Path resource(String file) {
    try {
      return Path.of(ClusterTlsTest.class.getResource("/cluster-tls/" + file).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS);
  }
}
