package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * api.md §7: nodes started with {@code --cluster} on one database find each other; {@code /health}
 * names the node and counts the members; a node that leaves is no longer counted. Two clustered
 * Vert.x instances in this JVM, each with its own Hazelcast member on its own port: membership is
 * the same TCP protocol as between two machines.
 */
class ClusterMembershipTest {

  @Test
  void healthNamesTheNodeAndCountsTheMembersAsTheyJoinAndLeave() {
    String name = "membership-" + UUID.randomUUID();
    try (TestService first = TestService.start(TestService.clusterFlags(name))) {
      JsonObject alone = first.http().get("/health", null).json();
      assertEquals(1, alone.getJsonObject("cluster").getInteger("members"), alone.encode());
      String firstId = alone.getString("node");
      try (TestService second = first.another(TestService.clusterFlags(name))) {
        Await.until("both nodes see two members", () -> members(first) == 2 && members(second) == 2);
        assertNotEquals(firstId, second.http().get("/health", null).json().getString("node"));
        assertEquals(firstId, first.node().id());
      }
      Await.until("the first node sees itself alone again", () -> members(first) == 1);
    }
  }

  @Test
  void aNodeWithoutClusterSaysNothingOfAClusterButNamesItself() {
    try (TestService single = TestService.start()) {
      JsonObject health = single.http().get("/health", null).json();
      assertFalse(health.containsKey("cluster"), health.encode());
      assertEquals(single.node().id(), health.getString("node"));
    }
  }

  private static int members(TestService node) {
    return node.http().get("/health", null).json().getJsonObject("cluster").getInteger("members");
  }
}
