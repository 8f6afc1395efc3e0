package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.PartitionProxy;
import dev.coordinator.testing.TestDatabase;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * POL-2, ENF-2: an operator's trust change (made with psql, straight in the database) reaches the
 * gate within ProfileCache's bound even when the change notification never arrives: the
 * listening connection killed, silently partitioned (half-open), or the trigger bypassed.
 */
@Tag("POL-2")
@Tag("ENF-2")
class ProfileRevocationTest {
  /** The cache's bound plus the liveness check's deadline, with room for a busy machine. */
  private static final long BOUND_MS = ProfileCache.TTL_MS + 15_000;
  private static final String FIND_LISTENER = """
      SELECT pid, client_port FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()""";
  private static PartitionProxy proxy;
  private static TestService service;
  private static final AtomicInteger KEYS = new AtomicInteger();

  @BeforeAll
  static void start() {
    proxy = PartitionProxy.in(TestDatabase.serverUrl());
    service = TestService.start(proxy::route);
  }

  @AfterAll
  static void stop() {
    service.close();
    proxy.close();
  }

  private static Http.Response acquire(String key) {
    return service.http().post("/v1/locks/acquire", key,
        new JsonObject().put("key", "src/revocation-" + KEYS.incrementAndGet() + ".py").put("ttl_seconds", 60));
  }

  /** The listening backend, once there is one (it is opened asynchronously). */
  private static Map<String, Object> listener() {
    AtomicReference<Map<String, Object>> found = new AtomicReference<>();
    Await.until("the service listens for profile changes", () -> {
      service.database().query(FIND_LISTENER).stream().findFirst().ifPresent(found::set);
      return found.get() != null;
    });
    return found.get();
  }

  /** Writes as {@code key} until one is denied by policy; how long that took. */
  private static long millisUntilDenied(String key) throws InterruptedException {
    long start = System.nanoTime();
    while (System.nanoTime() - start < BOUND_MS * 1_000_000) {
      Http.Response response = acquire(key);
      if (response.status() == 403) {
        assertEquals("POLICY_DENIED", response.errorCode(), response::toString);
        return (System.nanoTime() - start) / 1_000_000;
      }
      assertEquals(200, response.status(), response::toString);
      Thread.sleep(50);
    }
    throw new AssertionError("trust 1 was still allowed to write " + BOUND_MS + " ms after the change");
  }

  /** A trust-2 agent whose profile the gate has just used (and cached, if it caches). */
  private static String writer(String id) {
    String key = service.agent(id, "claude_code", 2);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, acquire(key).status());
    }
    return key;
  }

  @Test
  void aTrustChangeAppliesWhenTheListeningConnectionIsSilentlyCut() throws InterruptedException {
    String key = writer("cut");
    int port = ((Number) listener().get("client_port")).intValue();
    assertTrue(proxy.cut(port), "the listening connection goes through the proxy");
    service.database().execute("UPDATE agents SET trust = 1 WHERE id = 'cut'");
    System.out.println("denied " + millisUntilDenied(key) + " ms after the change (channel cut)");
  }

  @Test
  void aTrustChangeAppliesWhileTheKilledListenerCannotReconnect() throws InterruptedException {
    String key = writer("killed");
    Object pid = listener().get("pid");
    proxy.refuseNewConnections(true);
    try {
      service.database().execute("SELECT pg_terminate_backend(" + pid + ")",
          "UPDATE agents SET trust = 1 WHERE id = 'killed'");
      System.out.println("denied " + millisUntilDenied(key) + " ms after the change (listener killed, reconnecting)");
    } finally {
      proxy.refuseNewConnections(false);
    }
  }

  @Test
  void aTrustChangeAppliesWhenTheListenerIsKilledAndReconnects() throws InterruptedException {
    String key = writer("reconnected");
    Object pid = listener().get("pid");
    service.database().execute("SELECT pg_terminate_backend(" + pid + ")",
        "UPDATE agents SET trust = 1 WHERE id = 'reconnected'");
    System.out.println("denied " + millisUntilDenied(key) + " ms after the change (listener killed)");
  }

  @Test
  void aTrustChangeWithoutNotificationAppliesWithinTheBound() throws InterruptedException {
    String key = writer("silent");
    // As an operator might: with triggers off, no NOTIFY is sent at all.
    service.database().execute("SET session_replication_role = replica",
        "UPDATE agents SET trust = 1 WHERE id = 'silent'");
    System.out.println("denied " + millisUntilDenied(key) + " ms after the change (no notification)");
  }
}
