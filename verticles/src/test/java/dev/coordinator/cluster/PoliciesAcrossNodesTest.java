package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, CLU-1, POL-2: what the gate decides is the same on every node. A policy reload on one node
 * reloads every node (each from its own copy of the same folder); an operator's profile change
 * made with psql reaches the other node's profile cache through the database's notification, well
 * before the cache's time bound would.
 */
@Tag("CLU-1")
@Tag("POL-2")
class PoliciesAcrossNodesTest {
  private static final Path POLICIES = Path.of("..", "policies");
  /** ProfileCache.TTL_MS: without the notification, a cached profile is used this long after it was read. */
  private static final long PROFILE_TTL_MS = 5_000;
  private static final AtomicInteger KEYS = new AtomicInteger();

  @TempDir
  static Path policyDir;
  private static TestService first;
  private static TestService second;

  @BeforeAll
  static void start() throws IOException {
    try (Stream<Path> files = Files.list(POLICIES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, policyDir.resolve(file.getFileName()));
      }
    }
    String name = "policies-" + UUID.randomUUID();
    List<String> flags = new ArrayList<>(List.of(TestService.clusterFlags(name)));
    flags.addAll(List.of("--policy-dir", policyDir.toString()));
    first = TestService.start(flags.toArray(String[]::new));
    second = first.another(flags.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    try (TestService closedLast = first) {
      second.close();
    }
  }

  private static Http.Response acquire(TestService node, String key) {
    return node.http().post("/v1/locks/acquire", key,
        new JsonObject().put("key", "src/across-" + KEYS.incrementAndGet() + ".py").put("ttl_seconds", 60));
  }

  @Test
  void aReloadOnOneNodeChangesTheDecisionsOfTheOther() throws IOException {
    String root = first.agent("reload-root", "operator", 4);
    String writer = first.agent("reload-writer", "claude_code", 2);
    assertEquals(200, acquire(second, writer).status());

    Files.writeString(policyDir.resolve("write.cedar"),
        "permit (principal, action in Action::\"write\", resource) when { principal.trust >= 3 };");
    JsonObject reloaded = first.http().post("/v1/policy/reload", root, new JsonObject()).json();
    assertTrue(reloaded.getBoolean("reloaded"), reloaded::encode);
    assertEquals(403, acquire(first, writer).status(), "the stricter set is in force where it was reloaded");
    Await.until("the other node reloaded too", Duration.ofSeconds(30), () -> acquire(second, writer).status() == 403);
    assertEquals("POLICY_DENIED", acquire(second, writer).errorCode());

    Files.writeString(policyDir.resolve("write.cedar"), Files.readString(POLICIES.resolve("write.cedar")));
    assertTrue(first.http().post("/v1/policy/reload", root, new JsonObject()).json().getBoolean("reloaded"));
    Await.until("the other node went back too", Duration.ofSeconds(30), () -> acquire(second, writer).status() == 200);
  }

  private static boolean listening(String login) {
    return ((Number) first.database().value("SELECT count(*) FROM pg_stat_activity WHERE usename = ? AND query LIKE 'LISTEN%'",
        login)).longValue() > 0;
  }

  @Test
  void aNodeThatMissedTheAnnouncementCatchesUpWhenItListensAgain() throws IOException {
    String root = first.agent("missed-root", "operator", 4);
    String writer = first.agent("missed-writer", "claude_code", 2);
    assertEquals(200, acquire(second, writer).status());
    String login = second.serviceDatabase().connectOptions().getUser();
    Await.until("the second node listens", () -> listening(login));

    // The second node's listener is cut and cannot come back while the reload is announced.
    first.database().execute("ALTER ROLE \"" + login + "\" NOLOGIN",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + login + "' AND query LIKE 'LISTEN%'");
    try {
      Await.until("the second node no longer listens", () -> !listening(login));
      Files.writeString(policyDir.resolve("write.cedar"),
          "permit (principal, action in Action::\"write\", resource) when { principal.trust >= 3 };");
      assertTrue(first.http().post("/v1/policy/reload", root, new JsonObject()).json().getBoolean("reloaded"));
      assertEquals(403, acquire(first, writer).status());
    } finally {
      first.database().execute("ALTER ROLE \"" + login + "\" LOGIN");
    }
    Await.until("the second node caught up with the reload it did not hear", Duration.ofSeconds(30),
        () -> acquire(second, writer).status() == 403);

    Files.writeString(policyDir.resolve("write.cedar"), Files.readString(POLICIES.resolve("write.cedar")));
    assertTrue(first.http().post("/v1/policy/reload", root, new JsonObject()).json().getBoolean("reloaded"));
    Await.until("the second node went back too", Duration.ofSeconds(30), () -> acquire(second, writer).status() == 200);
  }

  /**
   * Whether the second node serves {@code agent}'s profile from its cache: a change made with the
   * triggers off (no notification) is not seen at once. The agent's trust is put back after.
   */
  private static boolean caching(String agent, String key) {
    assertEquals(200, acquire(second, key).status());
    first.database().execute("SET session_replication_role = replica",
        "UPDATE agents SET trust = 1 WHERE id = '" + agent + "'");
    boolean cached = acquire(second, key).status() == 200;
    first.database().execute("UPDATE agents SET trust = 2 WHERE id = '" + agent + "'");
    return cached;
  }

  @Test
  void aProfileChangeMadeWithPsqlReachesTheOtherNodesCache() {
    String probe = first.agent("psql-probe", "claude_code", 2);
    Await.until("the second node caches profiles (its change channel is proven)", () -> caching("psql-probe", probe));

    String key = first.agent("psql-changed", "claude_code", 2);
    long read = System.nanoTime();
    assertEquals(200, acquire(second, key).status(), "read, and cached, by the second node");
    first.database().execute("UPDATE agents SET trust = 1 WHERE id = 'psql-changed'");
    Await.until("the second node denies the lowered trust", () -> acquire(second, key).status() == 403);
    long tookMs = (System.nanoTime() - read) / 1_000_000;
    System.out.println("the second node applied the psql change " + tookMs + " ms after it cached the profile");
    assertTrue(tookMs < PROFILE_TTL_MS, "the notification reached the second node's cache, not just its time bound: "
        + tookMs + " ms");
  }
}
