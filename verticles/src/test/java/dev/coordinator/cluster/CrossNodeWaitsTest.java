package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.http.PolicyClient;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, CLU-1..3: waits cross nodes. Two clustered nodes on one database (a third joins where a node must
 * die); a waiter on one node is woken by whatever changed the database, wherever it was changed
 * (the other node, its sweeper, psql), well before the time that would answer it otherwise; the
 * line of lock waiters is one line across nodes (CLU-2, LOCK-5). Node B sweeps only once an hour, so a
 * requeue by a sweeper is node A's.
 */
class CrossNodeWaitsTest {
  /** A wake-up must come this fast; every wait and lease below is far longer, so only a wake-up can pass. */
  private static final long WOKEN_WITHIN_MS = 10_000;
  private static final int WAIT_MS = 60_000;
  /** A dead member is noticed by the cluster within its member timeout (10 s); far less than the waits and the backstop. */
  private static final long DEAD_NODE_FORGOTTEN_WITHIN_MS = 30_000;
  private static final String CLUSTER = "cross-node-waits-" + UUID.randomUUID();

  private static TestService nodeA;
  private static TestService nodeB;
  private static Http a;
  private static Http b;
  private static String holder;

  @BeforeAll
  static void nodes() {
    nodeA = TestService.start(TestService.clusterFlags(CLUSTER));
    nodeB = nodeA.another(Stream.concat(Stream.of(TestService.clusterFlags(CLUSTER)),
        Stream.of("--sweep-interval", "3600000")).toArray(String[]::new));
    a = nodeA.http();
    b = nodeB.http();
    holder = nodeA.agent("holder", "claude_code", 2);
  }

  @AfterAll
  static void stop() {
    nodeB.close();
    nodeA.close();
  }

  private static JsonObject lock(String key) {
    return new JsonObject().put("key", key).put("ttl_seconds", 300);
  }

  private static Http.Response acquire(Http node, String agentKey, String key, int waitMs, String... headers) {
    return node.send("POST", "/v1/locks/acquire", agentKey, lock(key).put("wait_ms", waitMs).encode(), headers);
  }

  /** A request answered on another thread, with the moment its answer came. */
  private record Timed(Http.Response response, long atNanos) {
  }

  private static CompletableFuture<Timed> later(Supplier<Http.Response> request) {
    return CompletableFuture.supplyAsync(() -> {
      Http.Response response = request.get();
      return new Timed(response, System.nanoTime());
    });
  }

  private static void awaitInLine(String key, long count) {
    Await.until(count + " waiter(s) of " + key + " in line",
        () -> ((Number) nodeA.database().value("SELECT count(*) FROM lock_waits WHERE key = ?", key)).longValue() == count);
  }

  private static long msSince(long startNanos, long endNanos) {
    return (endNanos - startNanos) / 1_000_000;
  }

  private static Timed woken(CompletableFuture<Timed> waiter) throws Exception {
    return waiter.get(WAIT_MS + 30_000, TimeUnit.MILLISECONDS);
  }

  @Test
  @Tag("CLU-1")
  @DisplayName("CLU-1: a release on node A wakes a waiter on node B at once")
  void aReleaseOnOneNodeWakesAWaiterOnTheOther() throws Exception {
    String key = "cross/release.py";
    String waiter = nodeA.agent("release-waiter", "codex", 2);
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    CompletableFuture<Timed> waiting = later(() -> acquire(b, waiter, key, WAIT_MS));
    awaitInLine(key, 1);

    long released = System.nanoTime();
    assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    Timed granted = woken(waiting);
    assertEquals(200, granted.response().status(), granted.response()::toString);
    assertEquals("release-waiter", granted.response().json().getJsonObject("lock").getString("holder"));
    long latency = msSince(released, granted.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "woken " + latency + " ms after the release (lease 300 s, wait 60 s)");
    assertEquals(0L, nodeA.database().value("SELECT count(*) FROM lock_waits WHERE key = ?", key), "the granted waiter left the line");
  }

  @Test
  @Tag("CLU-1")
  @DisplayName("CLU-1: a lease that ends on node A's lock, nobody releasing, wakes a waiter on node B")
  void theEndOfALeaseTakenOnOneNodeWakesAWaiterOnTheOther() throws Exception {
    String key = "cross/lease-end.py";
    String waiter = nodeA.agent("lease-waiter", "codex", 2);
    Http.Response held = a.post("/v1/locks/acquire", holder, new JsonObject().put("key", key).put("ttl_seconds", 2));
    assertEquals(200, held.status(), held::toString);
    long taken = System.nanoTime();
    CompletableFuture<Timed> waiting = later(() -> acquire(b, waiter, key, WAIT_MS));

    Timed granted = woken(waiting);
    assertEquals(200, granted.response().status(), granted.response()::toString);
    long latency = msSince(taken, granted.atNanos());
    assertTrue(latency < 2_000 + WOKEN_WITHIN_MS, "granted " + latency + " ms after a 2 s lease was taken (wait 60 s)");
  }

  @Test
  @Tag("CLU-1")
  @DisplayName("CLU-1: an operator deleting the lock row in psql wakes a waiter on node B")
  void aLockRowDeletedInPsqlWakesAWaiter() throws Exception {
    String key = "cross/psql.py";
    String waiter = nodeA.agent("psql-waiter", "codex", 2);
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    CompletableFuture<Timed> waiting = later(() -> acquire(b, waiter, key, WAIT_MS));
    awaitInLine(key, 1);

    long deleted = System.nanoTime();
    nodeA.database().execute("DELETE FROM locks WHERE key = '" + key + "'");
    Timed granted = woken(waiting);
    assertEquals(200, granted.response().status(), granted.response()::toString);
    long latency = msSince(deleted, granted.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "woken " + latency + " ms after the row was deleted (lease 300 s, wait 60 s)");
  }

  @Test
  @Tag("CLU-1")
  @DisplayName("CLU-1: a submit on node A wakes a claim waiting on node B")
  void aSubmitOnOneNodeWakesAClaimOnTheOther() throws Exception {
    String type = "cross-submit";
    String worker = nodeA.agent("submit-worker", "codex", 2);
    CompletableFuture<Timed> waiting = later(() -> claim(b, worker, type));
    awaitWaitingClaims(1);

    long submitted = System.nanoTime();
    String id = submit(a, type);
    Timed claimed = woken(waiting);
    assertEquals(id, claimedTask(claimed));
    long latency = msSince(submitted, claimed.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "woken " + latency + " ms after the submit (wait 60 s)");
    awaitWaitingClaims(0);
  }

  @Test
  @Tag("CLU-1")
  @Tag("TASK-5")
  @DisplayName("CLU-1, TASK-5: node A's sweeper requeueing a task whose lease ran out wakes a claim waiting on node B")
  void aRequeueByTheSweeperWakesAClaimOnTheOtherNode() throws Exception {
    String type = "cross-requeue";
    String worker = nodeA.agent("requeue-worker", "codex", 2);
    String id = submit(a, type);
    Http.Response first = a.post("/v1/tasks/claim", worker, new JsonObject().put("task_types", new JsonArray().add(type)));
    assertEquals(id, first.json().getJsonObject("task").getString("id"), first::toString);
    CompletableFuture<Timed> waiting = later(() -> claim(b, worker, type));
    awaitWaitingClaims(1);

    long expired = System.nanoTime();
    nodeA.database().execute("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = '" + id + "'");
    Timed claimed = woken(waiting);
    assertEquals(id, claimedTask(claimed), "the requeued task, claimed again");
    long latency = msSince(expired, claimed.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "woken " + latency + " ms after the lease ran out (node A sweeps every second)");
  }

  @Test
  @Tag("CLU-2")
  @Tag("LOCK-5")
  @DisplayName("CLU-2, LOCK-5: waiters arriving on alternate nodes are granted in arrival order")
  void theLineIsOneLineAcrossNodes() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("CrossNodeWaitsTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    Random random = new Random(seed);
    String key = "cross/line-" + seed + ".py";
    int waiters = 6;
    boolean startOnA = random.nextBoolean();
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    List<String> granted = Collections.synchronizedList(new ArrayList<>());
    List<String> arrived = new ArrayList<>();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < waiters; i++) {
      String id = "line-" + i;
      String agentKey = nodeA.agent(id, "codex", 2);
      Http node = (i % 2 == 0) == startOnA ? a : b;
      long holdMs = random.nextInt(60);
      done.add(CompletableFuture.runAsync(() -> {
        Http.Response response = acquire(node, agentKey, key, WAIT_MS);
        assertEquals(200, response.status(), "seed=" + seed + " " + id + ": " + response);
        granted.add(id);
        sleep(holdMs);
        assertEquals(200, node.post("/v1/locks/release", agentKey, new JsonObject().put("key", key)).status());
      }));
      arrived.add(id);
      awaitInLine(key, i + 1);
    }
    assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(WAIT_MS + 30_000, TimeUnit.MILLISECONDS);
    assertEquals(arrived, granted, "seed=" + seed + ": grants follow arrivals, whichever node each waits on");
  }

  /**
   * The contract's refinement: a free lock is promised to the waiters in line, so an acquire that
   * does not wait is refused at once, naming how many wait (here a waiter of a live node put in line
   * by hand, so that the lock stays free while it waits), and audited so.
   */
  @Test
  @Tag("CLU-2")
  @DisplayName("CLU-2: an acquire without wait_ms does not take a free lock from the waiters in line")
  void anAcquireThatDoesNotWaitDoesNotJumpTheLine() {
    String key = "cross/no-jumping.py";
    String jumper = nodeA.agent("jumper", "codex", 2);
    nodeA.database().execute("INSERT INTO lock_waits (key, agent, node_id, request_id, deadline) VALUES ('" + key
        + "', 'holder', '" + nodeA.node().id() + "', 'by-hand', now() + interval '5 minutes')");
    Http.Response refused = b.post("/v1/locks/acquire", jumper, lock(key));
    assertEquals(409, refused.status(), refused::toString);
    assertEquals("LOCK_HELD", refused.errorCode());
    JsonObject details = refused.json().getJsonObject("error").getJsonObject("details");
    assertEquals(1, details.getInteger("waiters_ahead"), details::encode);
    assertEquals(null, details.getString("holder"), "the lock is free, promised to the waiter");
    assertEquals(1L, nodeA.database().value("SELECT count(*) FROM audit_log WHERE agent = 'jumper' AND action = 'acquire_lock'"
        + " AND outcome = 'error' AND result->>'waiters_ahead' = '1'"));

    nodeA.database().execute("DELETE FROM lock_waits WHERE key = '" + key + "'");
    Http.Response granted = b.post("/v1/locks/acquire", jumper, lock(key));
    assertEquals(200, granted.status(), granted::toString);
  }

  @Test
  @Tag("CLU-2")
  @DisplayName("CLU-2: cancel_lock_wait on node A takes a waiter on node B out of line; node B answers it")
  void aCancelOnOneNodeEndsAWaitOnTheOther() throws Exception {
    String key = "cross/cancel.py";
    String waiterId = "cancelled-waiter";
    String waiter = nodeA.agent(waiterId, "codex", 2);
    String requestId = "wait-" + UUID.randomUUID();
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    CompletableFuture<Timed> waiting = later(() -> acquire(b, waiter, key, WAIT_MS, "X-Request-Id", requestId));
    awaitInLine(key, 1);

    long cancelled = System.nanoTime();
    Reply reply = PolicyClient.send(nodeA.vertx().eventBus(),
            new Envelope(waiterId, null, "cancel-" + UUID.randomUUID(), null, new LockCommand.CancelWait(requestId)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(reply instanceof Reply.Success success && success.payload().toJson().getBoolean("cancelled"), reply::toString);
    Timed answered = woken(waiting);
    assertEquals(409, answered.response().status(), answered.response()::toString);
    assertEquals("LOCK_HELD", answered.response().errorCode());
    long latency = msSince(cancelled, answered.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "answered " + latency + " ms after the cancel (wait 60 s)");
    assertEquals(0L, nodeA.database().value("SELECT count(*) FROM lock_waits WHERE key = ?", key));
    assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    assertEquals(0L, nodeA.database().value("SELECT count(*) FROM locks WHERE key = ?", key), "nobody took it after the cancel");
  }

  @Test
  @Tag("CLU-1")
  @Tag("LOCK-4")
  @DisplayName("CLU-1, LOCK-4: a session ended on node A ends its acquire waiting on node B")
  void aSessionEndedOnOneNodeEndsItsWaitOnTheOther() throws Exception {
    String key = "cross/session.py";
    String waiter = nodeA.agent("session-waiter", "codex", 2);
    Http.Response registered = a.post("/v1/sessions", waiter, new JsonObject());
    assertEquals(201, registered.status(), registered::toString);
    String session = registered.json().getJsonObject("session").getString("id");
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    CompletableFuture<Timed> waiting = later(() -> acquire(b, waiter, key, WAIT_MS, "Coordinator-Session", session));
    awaitInLine(key, 1);

    long ended = System.nanoTime();
    assertEquals(200, a.send("DELETE", "/v1/sessions/" + session, waiter, null).status());
    Timed answered = woken(waiting);
    assertEquals(400, answered.response().status(), answered.response()::toString);
    assertEquals("VALIDATION_FAILED", answered.response().errorCode());
    long latency = msSince(ended, answered.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "answered " + latency + " ms after the session ended (wait 60 s)");
    assertEquals(0L, nodeA.database().value("SELECT count(*) FROM lock_waits WHERE key = ?", key));
    assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
  }

  @Test
  @Tag("CLU-3")
  @Tag("CLU-2")
  @DisplayName("CLU-3, CLU-2: the waiter of a node that died leaves the line; the next waiter gets the lock")
  void theWaitersOfADeadNodeLeaveTheLine() throws Exception {
    String key = "cross/dead-node.py";
    String doomed = nodeA.agent("doomed-waiter", "codex", 2);
    String next = nodeA.agent("next-waiter", "codex", 2);
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    TestService nodeC = nodeA.another(TestService.clusterFlags(CLUSTER));
    String deadId = nodeC.node().id();
    try {
      later(() -> acquire(nodeC.http(), doomed, key, WAIT_MS));
      awaitInLine(key, 1);
      CompletableFuture<Timed> waiting = later(() -> acquire(a, next, key, WAIT_MS));
      awaitInLine(key, 2);

      long crashed = System.nanoTime();
      nodeC.crash();
      System.out.println("node C closed in " + msSince(crashed, System.nanoTime()) + " ms");
      Await.until("the dead node's waiter left the line",
          () -> ((Number) nodeA.database().value("SELECT count(*) FROM lock_waits WHERE node_id = ?", deadId)).longValue() == 0);
      assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
      Timed granted = woken(waiting);
      assertEquals(200, granted.response().status(), granted.response()::toString);
      assertEquals("next-waiter", granted.response().json().getJsonObject("lock").getString("holder"));
      long latency = msSince(crashed, granted.atNanos());
      assertTrue(latency < DEAD_NODE_FORGOTTEN_WITHIN_MS,
          "granted " + latency + " ms after the node died (its waiter's wait: 60 s; the silence backstop: 120 s)");
    } finally {
      nodeC.close();
    }
  }

  /**
   * The backstop for a node that froze, or that shares the database without being clustered: no
   * member ever left, but once its heartbeat is old a sweep deletes its waits and the line moves
   * on. The frozen node and its waiter are rows made by hand; the waiter behind it is real.
   */
  @Test
  @Tag("CLU-3")
  @DisplayName("CLU-3: the waits of a node silent past the session timeout are deleted by a sweep; the line moves on")
  void theWaitsOfASilentNodeLeaveTheLine() throws Exception {
    String key = "cross/silent-node.py";
    String next = nodeA.agent("after-silent", "codex", 2);
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    nodeA.database().execute("INSERT INTO nodes (node_id) VALUES ('frozen-node')",
        "INSERT INTO lock_waits (key, agent, node_id, request_id, deadline) VALUES ('" + key
            + "', 'holder', 'frozen-node', 'frozen', now() + interval '5 minutes')");
    CompletableFuture<Timed> waiting = later(() -> acquire(b, next, key, WAIT_MS));
    awaitInLine(key, 2);
    assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    assertEquals(1L, nodeA.database().value("SELECT count(*) FROM lock_waits WHERE node_id = 'frozen-node'"),
        "the frozen node's waiter is still first");

    long silenced = System.nanoTime();
    nodeA.database().execute("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE node_id = 'frozen-node'");
    Timed granted = woken(waiting);
    assertEquals(200, granted.response().status(), granted.response()::toString);
    long latency = msSince(silenced, granted.atNanos());
    assertTrue(latency < WOKEN_WITHIN_MS, "granted " + latency + " ms after the node fell silent (its waiter's deadline: 5 min)");
    assertEquals(0L, nodeA.database().value("SELECT count(*) FROM nodes WHERE node_id = 'frozen-node'"));
  }

  /**
   * A release whose notification node B cannot hear (its listening connection is gone and cannot
   * come back yet: its login is refused for the moment) is made up for when B listens again: once
   * the new subscription is proven, every waiter on B tries once.
   */
  @Test
  @Tag("CLU-1")
  @DisplayName("CLU-1: a wake-up missed while node B's listener was down is made up by a resync when it is back")
  void aWakeUpMissedWhileNotListeningIsMadeUpByAResync() throws Exception {
    String key = "cross/resync.py";
    String waiter = nodeA.agent("resync-waiter", "codex", 2);
    String login = nodeB.serviceDatabase().connectOptions().getUser();
    assertEquals(200, a.post("/v1/locks/acquire", holder, lock(key)).status());
    CompletableFuture<Timed> waiting = later(() -> acquire(b, waiter, key, WAIT_MS));
    awaitInLine(key, 1);

    nodeA.database().execute("ALTER ROLE \"" + login + "\" NOLOGIN");
    try {
      nodeA.database().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + login
          + "' AND query LIKE 'LISTEN%'");
      assertEquals(200, a.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    } finally {
      nodeA.database().execute("ALTER ROLE \"" + login + "\" LOGIN");
    }
    long listening = System.nanoTime();
    Timed granted = woken(waiting);
    assertEquals(200, granted.response().status(), granted.response()::toString);
    long latency = msSince(listening, granted.atNanos());
    // The listener tries again every few seconds (backing off up to 5 s), then proves itself with a ping.
    assertTrue(latency < 2 * WOKEN_WITHIN_MS, "granted " + latency + " ms after node B could listen again (wait 60 s)");
  }

  private static Http.Response claim(Http node, String agentKey, String type) {
    return node.post("/v1/tasks/claim", agentKey,
        new JsonObject().put("task_types", new JsonArray().add(type)).put("wait_ms", WAIT_MS));
  }

  private static String submit(Http node, String type) {
    Http.Response response = node.post("/v1/tasks", holder, new JsonObject().put("task_type", type).put("description", "cross"));
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("task").getString("id");
  }

  private static String claimedTask(Timed claimed) {
    assertEquals(200, claimed.response().status(), claimed.response()::toString);
    JsonObject task = claimed.response().json().getJsonObject("task");
    return task == null ? null : task.getString("id");
  }

  private static void awaitWaitingClaims(long count) {
    Await.until(count + " claim(s) waiting", () -> nodeA.database().count("claim_waits") == count);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
