package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.db.ServiceLogin;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.Launched;
import dev.coordinator.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, api.md §7: {@code bin/coordinator serve --cluster} nodes in JVMs of their own on one
 * database, killed (SIGKILL) and frozen (SIGSTOP) as a crashed or paused machine would be. What
 * must hold lives in PostgreSQL (CLU-3): a survivor reaps the lost node's sessions, frees their
 * locks (LOCK-4) and claims, and late writes from a node that wakes up are refused by fencing
 * tokens and claim tokens (LOCK-2, TASK-3); nothing acknowledged is lost and the audit chain
 * still verifies (AUD-2).
 */
class ClusterNodesIT {
  private static final int SESSION_TIMEOUT_SECONDS = 3;
  private static final int SWEEP_INTERVAL_MS = 200;
  /** What a busy two-core machine may add to "timeout plus one sweep": a late timer, a slow commit. */
  private static final Duration SLACK = Duration.ofMillis(2_000);
  private static final Duration START = Duration.ofSeconds(90);

  @TempDir
  Path workDir;

  private final String clusterName = "it-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Member> members = new ArrayList<>();
  private TestDatabase database;

  /** One running node: its process and its HTTP port. */
  private record Member(Launched process, int port, Http http) {
    int clusterMembers() {
      JsonObject health = http.get("/health", null).json();
      return health.getJsonObject("cluster").getInteger("members");
    }
  }

  /**
   * A client keeping its session alive through one node, as an agent does: a heartbeat every
   * quarter second until one is not acknowledged (the node died, or woke to find the session reaped).
   */
  private static Thread heartbeats(Member node, String key, String session) {
    Thread beating = new Thread(() -> {
      try {
        while (node.http().post("/v1/sessions/" + session + "/heartbeat", key, new JsonObject()).status() == 200) {
          Thread.sleep(250);
        }
      } catch (UncheckedIOException | InterruptedException nodeGone) {
        // the node died under the heartbeat
      }
    });
    beating.setDaemon(true);
    beating.start();
    return beating;
  }

  @BeforeEach
  void createDatabase() {
    database = TestDatabase.create();
  }

  @AfterEach
  void stopNodes() {
    members.forEach(member -> member.process().close());
    members.forEach(member -> database.execute("DROP ROLE IF EXISTS \"" + ServiceLogin.roleName(member.port()) + "\""));
    database.close();
  }

  private List<String> serveFlags(int httpPort, String... more) {
    List<String> flags = new ArrayList<>(List.of("serve", "--db-url", database.url().url(),
        "--http-port", String.valueOf(httpPort), "--session-timeout", String.valueOf(SESSION_TIMEOUT_SECONDS),
        "--sweep-interval", String.valueOf(SWEEP_INTERVAL_MS)));
    flags.addAll(List.of(more));
    return flags;
  }

  /** Starts a node of this test's cluster; {@link Member#process()} tells when it listens. */
  private Member node() {
    int port = Launched.freePort();
    Launched process = Launched.start(workDir, serveFlags(port, "--cluster", "--cluster-port", "0",
        "--cluster-name", clusterName, "--cluster-members", "127.0.0.1:5701-5730"));
    Member member = new Member(process, port, new Http(port));
    members.add(member);
    return member;
  }

  /** Two nodes, started together as an orchestrator starts them, once they listen and see each other. */
  private List<Member> twoNodes() {
    List<Member> nodes = List.of(node(), node());
    nodes.forEach(member -> member.process().awaitListening(START));
    Await.until("both nodes see two members", () -> nodes.stream().allMatch(member -> member.clusterMembers() == 2));
    return nodes;
  }

  @Test
  @DisplayName("CLU-3, LOCK-4, AUD-2: a node killed with SIGKILL loses nothing acknowledged; a survivor frees its session's locks and claims within the session timeout plus one sweep")
  void aKilledNodesSessionIsReapedBySurvivorWithinTheTimeoutAndNothingAcknowledgedIsLost() throws Exception {
    String alice = database.agent("alice", "claude_code", 2);
    String bob = database.agent("bob", "codex", 2);
    String root = database.agent("root", "operator", 4);
    List<Member> nodes = twoNodes();
    Member victim = nodes.get(0);
    Member survivor = nodes.get(1);

    String session = session(victim, alice);
    heartbeats(victim, alice, session);
    List<String> keys = List.of("src/killed/a.py", "src/killed/b.py");
    for (String key : keys) {
      assertEquals(200, acquire(victim, alice, key, session).status());
    }
    List<String> claimed = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      submit(victim, bob, "killed-work");
      claimed.add(claim(victim, alice, "killed-work", session).getString("id"));
    }

    // Submits keep arriving at the victim while it dies: every one it acknowledged must survive.
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean refused = new AtomicBoolean();
    Thread submitter = new Thread(() -> {
      try {
        while (true) {
          Http.Response submitted = victim.http().post("/v1/tasks", bob, task("kept-work"));
          if (submitted.status() != 201) {
            refused.set(true);
            return;
          }
          acknowledged.add(submitted.json().getJsonObject("task").getString("id"));
        }
      } catch (UncheckedIOException connectionLost) {
        // the victim died under the request
      }
    });
    submitter.start();
    Await.until("the victim acknowledged some submits", () -> acknowledged.size() >= 20 || !submitter.isAlive());
    victim.process().signal("KILL");
    submitter.join(30_000);
    assertTrue(!refused.get() && acknowledged.size() >= 20, "the victim served submits until it was killed");
    assertEquals(4, heldBy(session), "the killed node's session still held its locks and claims");

    Await.until("the survivor reaped the killed node's session",
        Duration.ofSeconds(SESSION_TIMEOUT_SECONDS).plus(Duration.ofMillis(SWEEP_INTERVAL_MS)).plus(SLACK).plusSeconds(10),
        () -> heldBy(session) == 0 && "reaped".equals(database.value("SELECT status FROM sessions WHERE id = ?::uuid", session)));
    long silentMs = ((Number) database.value("SELECT (extract(epoch FROM ended_at - last_heartbeat) * 1000)::bigint"
        + " FROM sessions WHERE id = ?::uuid", session)).longValue();
    long boundMs = SESSION_TIMEOUT_SECONDS * 1000L + SWEEP_INTERVAL_MS + SLACK.toMillis();
    assertTrue(silentMs >= SESSION_TIMEOUT_SECONDS * 1000L && silentMs <= boundMs,
        "reaped " + silentMs + " ms after its last heartbeat; bound: timeout + one sweep (+ " + SLACK.toMillis() + " ms slack) = " + boundMs);
    for (String task : claimed) {
      assertEquals("pending", database.value("SELECT status FROM tasks WHERE id = ?::uuid", task), "requeued: " + task);
    }
    Http.Response taken = acquire(survivor, bob, keys.get(0), null);
    assertEquals(200, taken.status(), "a freed lock is anyone's: " + taken);

    assertEquals(List.of(), acknowledged.stream()
            .filter(id -> ((Number) database.value("SELECT count(*) FROM tasks WHERE id = ?::uuid", id)).longValue() != 1)
            .toList(), "every submit the killed node acknowledged is in the database");
    Http.Response verify = survivor.http().get("/v1/audit/verify", root);
    assertEquals(200, verify.status(), verify::toString);
    assertEquals(true, verify.json().getBoolean("ok"), verify::toString);
    Await.until("the survivor counts one member once Hazelcast notices", () -> survivor.clusterMembers() == 1);
  }

  @Test
  @DisplayName("CLU-3, LOCK-2, LOCK-3, TASK-3: a node frozen (SIGSTOP) past the session timeout wakes to find its session reaped; its late writes with old fencing and claim tokens are refused, whether the same agent or another took the lock or task again")
  void aFrozenNodesLateWritesAreRefusedByFencingAndClaimTokens() {
    String alice = database.agent("alice", "claude_code", 2);
    String bob = database.agent("bob", "codex", 2);
    List<Member> nodes = twoNodes();
    Member frozen = nodes.get(0);
    Member survivor = nodes.get(1);

    String session = session(frozen, alice);
    Thread heartbeats = heartbeats(frozen, alice, session);
    String retaken = "src/frozen/retaken.py";
    String lost = "src/frozen/lost.py";
    long retakenToken = token(acquire(frozen, alice, retaken, session));
    long lostToken = token(acquire(frozen, alice, lost, session));
    submit(frozen, bob, "frozen-work");
    submit(frozen, bob, "frozen-work");
    List<JsonObject> oldClaims = List.of(claim(frozen, alice, "frozen-work", session),
        claim(frozen, alice, "frozen-work", session));

    // Alice's client talks to the frozen node only: her heartbeats hang with it.
    frozen.process().signal("STOP");
    Map<String, String> claimants = new HashMap<>();
    try {
      Await.until("the survivor reaped the frozen node's session", () -> heldBy(session) == 0);
      assertEquals("reaped", database.value("SELECT status FROM sessions WHERE id = ?::uuid", session));
      // Alice starts again on the survivor: she takes one lock and one task back; bob takes the others.
      assertTrue(token(acquire(survivor, alice, retaken, null)) > retakenToken, "a new grant, a new fencing token");
      assertTrue(token(acquire(survivor, bob, lost, null)) > lostToken, "a new holder, a new fencing token");
      claimants.put(claim(survivor, alice, "frozen-work", null).getString("id"), "alice");
      claimants.put(claim(survivor, bob, "frozen-work", null).getString("id"), "bob");
    } finally {
      frozen.process().signal("CONT");
    }
    List<Map<String, Object>> held = held();

    Await.until("the woken node answers again", () -> frozen.http().get("/health", null).status() == 200);
    Await.until("the heartbeat that hung with the node was refused, not taken", () -> !heartbeats.isAlive());
    JsonObject staleRetaken = new JsonObject().put("key", retaken).put("fencing_token", retakenToken);
    assertRefused("STALE_FENCING_TOKEN", frozen.http().post("/v1/locks/release", alice, staleRetaken));
    assertRefused("STALE_FENCING_TOKEN", frozen.http().post("/v1/locks/renew", alice, staleRetaken));
    JsonObject staleLost = new JsonObject().put("key", lost).put("fencing_token", lostToken);
    assertRefused("NOT_LOCK_HOLDER", frozen.http().post("/v1/locks/release", alice, staleLost));
    assertRefused("NOT_LOCK_HOLDER", frozen.http().post("/v1/locks/renew", alice, staleLost));
    for (JsonObject old : oldClaims) {
      assertRefused("STALE_CLAIM", frozen.http().post("/v1/tasks/" + old.getString("id") + "/complete", alice,
          new JsonObject().put("claim_token", old.getString("claim_token")).put("success", true)));
      assertRefused("STALE_CLAIM", frozen.http().post("/v1/tasks/" + old.getString("id") + "/renew", alice,
          new JsonObject().put("claim_token", old.getString("claim_token"))));
    }
    assertRefused("VALIDATION_FAILED", frozen.http().send("POST", "/v1/locks/release", alice, staleRetaken.encode(),
        "Coordinator-Session", session));

    assertEquals(held, held(), "the late writes changed no lock and no task");
    assertEquals(Map.of(retaken, "alice", lost, "bob"), rowsOf("SELECT key, holder FROM locks"),
        "each lock held once, by its new holder");
    assertEquals(claimants, rowsOf("SELECT id::text, claimed_by FROM tasks WHERE status = 'claimed'"),
        "each task claimed once, by its new claimant");
  }

  @Test
  @DisplayName("A node that cannot take its cluster port, or is given unreadable --cluster-members, says why on one line and exits 2")
  void aNodeThatCannotJoinSaysWhyOnOneLineAndExitsTwo() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Launched busy = Launched.start(workDir, serveFlags(Launched.freePort(), "--cluster",
          "--cluster-port", String.valueOf(port), "--cluster-name", clusterName, "--cluster-members", "127.0.0.1:" + port));
      Launched typo = Launched.start(workDir, serveFlags(Launched.freePort(), "--cluster",
          "--cluster-members", "127.0.0.1:5701,127.0.0.1:99999"));
      try (busy; typo) {
        assertEquals(2, busy.awaitExit(START), busy::output);
        assertEquals(List.of("coordinator: cannot join the cluster on 127.0.0.1:" + port
                + ": Cannot bind to a given address: /127.0.0.1. Hazelcast cannot start. Port [" + port
                + "] is already in use and auto-increment is disabled."),
            coordinatorLines(busy), busy::output);
        assertEquals(2, typo.awaitExit(START), typo::output);
        assertEquals(List.of("coordinator: --cluster-members: cannot read 127.0.0.1:99999 (host[:port[-port]])"),
            typo.lines(), typo::output);
      }
    }
  }

  private static List<String> coordinatorLines(Launched process) {
    return process.lines().stream().filter(line -> line.startsWith("coordinator:")).toList();
  }

  /** A two-column query as a map from the first column to the second. */
  private Map<String, String> rowsOf(String sql) {
    Map<String, String> rows = new HashMap<>();
    database.query(sql).forEach(row -> {
      List<Object> values = List.copyOf(row.values());
      rows.put(String.valueOf(values.get(0)), String.valueOf(values.get(1)));
    });
    return rows;
  }

  private static long token(Http.Response acquired) {
    assertEquals(200, acquired.status(), acquired::toString);
    return acquired.json().getJsonObject("lock").getLong("fencing_token");
  }

  private static void assertRefused(String code, Http.Response response) {
    assertTrue(response.status() >= 400 && code.equals(response.errorCode()), () -> "expected " + code + ": " + response);
  }

  /** Locks and claims the session still holds, from the database. */
  private long heldBy(String session) {
    return ((Number) database.value("SELECT (SELECT count(*) FROM locks WHERE session_id = ?)"
        + " + (SELECT count(*) FROM tasks WHERE claim_session = ? AND status = 'claimed')", session, session)).longValue();
  }

  /** Every lock and every task's claim, as the database has them. */
  private List<Map<String, Object>> held() {
    List<Map<String, Object>> rows = new ArrayList<>(database.query(
        "SELECT key, holder, session_id, fencing_token::text, expires_at::text FROM locks ORDER BY key"));
    rows.addAll(database.query("SELECT id::text, status, claimed_by, claim_token::text, attempt, lease_expires_at::text"
        + " FROM tasks ORDER BY id"));
    return rows;
  }

  private static String session(Member node, String key) {
    Http.Response registered = node.http().post("/v1/sessions", key, new JsonObject());
    assertEquals(201, registered.status(), registered::toString);
    return registered.json().getJsonObject("session").getString("id");
  }

  private static Http.Response acquire(Member node, String key, String lock, String session) {
    String body = new JsonObject().put("key", lock).encode();
    return session == null
        ? node.http().send("POST", "/v1/locks/acquire", key, body)
        : node.http().send("POST", "/v1/locks/acquire", key, body, "Coordinator-Session", session);
  }

  private static JsonObject task(String type) {
    return new JsonObject().put("task_type", type).put("description", "work for the cluster test");
  }

  private static void submit(Member node, String key, String type) {
    Http.Response submitted = node.http().post("/v1/tasks", key, task(type));
    assertEquals(201, submitted.status(), submitted::toString);
  }

  private static JsonObject claim(Member node, String key, String type, String session) {
    String body = new JsonObject().put("task_types", List.of(type)).encode();
    Http.Response claimed = session == null
        ? node.http().send("POST", "/v1/tasks/claim", key, body)
        : node.http().send("POST", "/v1/tasks/claim", key, body, "Coordinator-Session", session);
    assertEquals(200, claimed.status(), claimed::toString);
    JsonObject task = claimed.json().getJsonObject("task");
    assertEquals("claimed", task.getString("status"), claimed::toString);
    return task;
  }
}

