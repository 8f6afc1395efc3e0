package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.TestService;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, CLU-4, HARD-3: idle expiry of Streamable HTTP MCP sessions is the cluster's, not a
 * node's. A session opened on one node and used only on the other stays alive past the idle time
 * on both; once nobody uses it, it expires for both.
 */
@Tag("CLU-4")
@Tag("HARD-3")
class McpIdleAcrossNodesTest {
  private static final int TIMEOUT_SECONDS = 2;

  private static String[] flags(String name) {
    List<String> flags = new ArrayList<>(List.of(TestService.clusterFlags(name)));
    flags.addAll(List.of("--session-timeout", String.valueOf(TIMEOUT_SECONDS), "--sweep-interval", "100"));
    return flags.toArray(String[]::new);
  }

  private static long ageMs(TestService node) {
    return ((Number) node.database().value(
        "SELECT (extract(epoch FROM now() - created_at) * 1000)::bigint FROM mcp_sessions WHERE agent = 'idle-roamer'"))
        .longValue();
  }

  @Test
  void aSessionUsedOnOneNodeStaysAliveOnTheOtherAndExpiresForBoth() {
    String name = "mcp-idle-" + UUID.randomUUID();
    try (TestService first = TestService.start(flags(name)); TestService second = first.another(flags(name))) {
      String key = first.agent("idle-roamer", "claude_code", 1);
      String session = McpAcrossNodesTest.open(first, key);

      // Used on the second node only, for twice the idle time: each use must count for both nodes.
      Await.until("the session was used on the other node for twice the idle time", () -> {
        assertEquals(200, McpAcrossNodesTest.ping(second, key, session).status(), "expired while in use");
        return ageMs(first) > 2_000L * TIMEOUT_SECONDS;
      });
      assertEquals(200, McpAcrossNodesTest.ping(first, key, session).status(), "alive on the node that opened it");

      Await.until("the idle session is swept", () -> first.database().count("mcp_sessions") == 0);
      assertEquals(404, McpAcrossNodesTest.ping(first, key, session).status());
      assertEquals(404, McpAcrossNodesTest.ping(second, key, session).status());
    }
  }
}
