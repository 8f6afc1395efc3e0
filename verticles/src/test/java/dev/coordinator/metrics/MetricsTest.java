package dev.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.Scrape;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OPS-2: {@code GET /metrics} is Micrometer's Prometheus text: Vert.x's own HTTP server, event-bus
 * and pool meters, and ours, each moving with the traffic that should move it and labelled by
 * what an operator slices by. Loopback only unless {@code --metrics-public}.
 */
class MetricsTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");

  private static Http http() {
    return service.http();
  }

  @Test
  @DisplayName("OPS-2: policy decisions by outcome and engine, and Vert.x's HTTP server, event-bus and pool meters")
  void decisionsAndVertxMeters() {
    String alice = service.agent("metrics-alice", "claude_code", 2);
    Scrape before = Scrape.of(http());
    Http.Response acquired = http().post("/v1/locks/acquire", alice, new JsonObject().put("key", "metrics/a.py"));
    assertEquals(200, acquired.status(), acquired::toString);
    Http.Response denied = http().post("/v1/policy/reload", alice, new JsonObject());
    assertEquals(403, denied.status(), denied::toString);
    Scrape after = Scrape.of(http());

    Map<String, String> allowed = Map.of("decision", "allow", "engine", "cedar");
    Map<String, String> refused = Map.of("decision", "deny", "engine", "cedar");
    assertEquals(1, after.value("coordinator_policy_decisions_total", allowed)
        - before.value("coordinator_policy_decisions_total", allowed), 0.0, "the acquire was one allow");
    assertEquals(1, after.value("coordinator_policy_decisions_total", refused)
        - before.value("coordinator_policy_decisions_total", refused), 0.0, "the reload was one deny");

    // Vert.x Web names a request's route by every route it passed, joined by '>': the endpoint's is last.
    Predicate<Scrape.Sample> acquires = sample -> sample.labels().getOrDefault("route", "").endsWith("/v1/locks/acquire")
        && "POST".equals(sample.labels().get("method")) && "200".equals(sample.labels().get("code"));
    assertEquals(1, after.sum("vertx_http_server_requests_total", acquires)
        - before.sum("vertx_http_server_requests_total", acquires), 0.0, "Vert.x counts requests by route and code");
    assertTrue(after.has("vertx_eventbus_processed_total", Map.of("address", "coordinator.policy")), after::toString);
    assertTrue(after.has("vertx_pool_usage_seconds_count", Map.of()), after::toString);
    assertTrue(after.has("jvm_memory_used_bytes", Map.of()), after::toString);
    assertEquals(0, after.value("coordinator_mcp_connections", Map.of("transport", "websocket")), 0.0);
    assertTrue(after.has("coordinator_mcp_connections", Map.of("transport", "streamable_http")), after::toString);
  }

  @Test
  @DisplayName("OPS-2: lock waits are counted and timed, by outcome")
  void lockWaits() {
    String holder = service.agent("metrics-holder", "claude_code", 2);
    String waiter = service.agent("metrics-waiter", "claude_code", 2);
    assertEquals(200, http().post("/v1/locks/acquire", holder, new JsonObject().put("key", "metrics/held.py")).status());
    Map<String, String> refused = Map.of("outcome", "refused");
    Scrape before = Scrape.of(http());
    Http.Response timedOut = http().post("/v1/locks/acquire", waiter,
        new JsonObject().put("key", "metrics/held.py").put("wait_ms", 300));
    assertEquals(409, timedOut.status(), timedOut::toString);
    Scrape after = Scrape.of(http());
    assertEquals(1, after.value("coordinator_lock_waits_seconds_count", refused)
        - before.value("coordinator_lock_waits_seconds_count", refused), 0.0, "one wait ended without the lock");
    double waited = after.value("coordinator_lock_waits_seconds_sum", refused)
        - before.value("coordinator_lock_waits_seconds_sum", refused);
    assertTrue(waited >= 0.3, "it waited its 300 ms, not " + waited + " s");
  }

  @Test
  @DisplayName("OPS-2: queue depth and age by type, lease expiries, session reaps")
  void queueLeasesAndReaps() {
    String submitter = service.agent("metrics-submitter", "operator", 2);
    String worker = service.agent("metrics-worker", "claude_code", 2);
    for (int i = 0; i < 2; i++) {
      assertEquals(201, http().post("/v1/tasks", submitter,
          new JsonObject().put("task_type", "metrics-depth").put("description", "d" + i)).status());
    }
    Map<String, String> pending = Map.of("task_type", "metrics-depth", "status", "pending");
    Await.until("the queue gauge shows two pending metrics-depth tasks",
        () -> Scrape.of(http()).value("coordinator_queue_depth", pending) == 2);
    Scrape queue = Scrape.of(http());
    assertTrue(queue.has("coordinator_queue_oldest_age_seconds", pending), queue::toString);

    double expiries = Scrape.of(http()).value("coordinator_task_lease_expiries_total");
    Http.Response claimed = http().post("/v1/tasks/claim", worker, new JsonObject()
        .put("task_types", new JsonArray().add("metrics-depth")).put("lease_seconds", 10));
    assertEquals(200, claimed.status(), claimed::toString);
    // The shortest lease is 10 s: the test moves this one's end to now rather than wait for it.
    service.database().value("UPDATE tasks SET lease_expires_at = now() WHERE id = ?::uuid RETURNING id",
        claimed.json().getJsonObject("task").getString("id"));
    Await.until("the sweeper counted the lease that ran out",
        () -> Scrape.of(http()).value("coordinator_task_lease_expiries_total") == expiries + 1);

    double reaped = Scrape.of(http()).value("coordinator_sessions_reaped_total");
    Http.Response session = http().post("/v1/sessions", worker, new JsonObject());
    assertEquals(201, session.status(), session::toString);
    service.database().value("UPDATE sessions SET last_heartbeat = now() - interval '1 day' WHERE id = ?::uuid RETURNING id",
        session.json().getJsonObject("session").getString("id"));
    Await.until("the reaper counted the silent session",
        () -> Scrape.of(http()).value("coordinator_sessions_reaped_total") == reaped + 1);
  }

  @Test
  @DisplayName("OPS-2: guardrail matches by category and outcome")
  void guardrailMatches() {
    String writer = service.agent("metrics-writer", "claude_code", 2);
    Map<String, String> blocked = Map.of("outcome", "blocked");
    double before = Scrape.of(http()).value("coordinator_guardrail_matches_total", blocked);
    Http.Response refused = http().post("/v1/tasks", writer, new JsonObject().put("task_type", "cleanup")
        .put("description", "clean the workspace with rm -rf build/ before the run"));
    assertEquals("GUARDRAIL_BLOCKED", refused.errorCode(), refused::toString);
    Scrape after = Scrape.of(http());
    assertEquals(before + 1, after.value("coordinator_guardrail_matches_total", blocked), 0.0);
    assertTrue(after.samples().stream().anyMatch(sample -> sample.name().equals("coordinator_guardrail_matches_total")
        && !sample.labels().getOrDefault("category", "").isEmpty()), after::toString);
  }

  @Test
  @DisplayName("OPS-2: another machine finds no /metrics unless --metrics-public")
  void loopbackOnlyUnlessPublic() throws Exception {
    Optional<String> address = otherAddress();
    assumeTrue(address.isPresent(), "this machine has no address but loopback");
    String[] flags = {"--http-host", "0.0.0.0", "--allowed-hosts", address.get()};
    try (TestService closed = TestService.start(flags)) {
      Http.Response refused = new Http(address.get(), closed.config().httpPort()).get("/metrics", null);
      assertEquals(404, refused.status(), refused::toString);
      assertEquals("NOT_FOUND", refused.errorCode());
      assertEquals(200, closed.http().get("/metrics", null).status(), "loopback still reads it");
    }
    String[] open = {"--http-host", "0.0.0.0", "--allowed-hosts", address.get(), "--metrics-public"};
    try (TestService exposed = TestService.start(open)) {
      Http.Response scraped = new Http(address.get(), exposed.config().httpPort()).get("/metrics", null);
      assertEquals(200, scraped.status(), scraped::toString);
      assertTrue(scraped.text().contains("coordinator_waiting_acquires"), scraped::text);
    }
  }

  /** An IPv4 address of this machine other than loopback: a peer the service must not take for local. */
  private static Optional<String> otherAddress() throws SocketException {
    return NetworkInterface.networkInterfaces().filter(MetricsTest::up)
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
        .map(InetAddress::getHostAddress).findFirst();
  }

  private static boolean up(NetworkInterface network) {
    try {
      return network.isUp() && !network.isLoopback();
    } catch (SocketException e) {
      return false;
    }
  }
}
