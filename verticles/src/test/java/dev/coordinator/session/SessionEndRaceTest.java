package dev.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * LOCK-4, TASK-5: acquires and claims bound to a session race the end of that session. Whatever
 * the interleaving, nothing live may be left referencing an ended session, and a wait queued in
 * the session ends with it.
 */
class SessionEndRaceTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String racer;
  private static String holder;
  private static String submitter;

  @BeforeAll
  static void agents() {
    http = service.http();
    racer = service.agent("racer", "claude_code", 2);
    holder = service.agent("holder", "codex", 2);
    submitter = service.agent("submitter", "codex", 2);
  }

  private static String session(String agent) {
    Http.Response response = http.post("/v1/sessions", agent, new JsonObject());
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("session").getString("id");
  }

  private static void submit(String type) {
    Http.Response response = http.post("/v1/tasks", submitter, new JsonObject().put("task_type", type).put("description", "race"));
    assertEquals(201, response.status(), response::toString);
  }

  @Test
  @Tag("LOCK-4")
  @Tag("TASK-5")
  void acquiresAndClaimsRacingTheEndOfTheirSessionLeaveNothingOnIt() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("SessionEndRaceTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    Random random = new Random(seed);
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      for (int round = 0; round < 12; round++) {
        String session = session(racer);
        String type = "race-" + round;
        for (int i = 0; i < 3; i++) {
          submit(type);
        }
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Http.Response>> answers = new ArrayList<>();
        int endAfter = random.nextInt(8);
        for (int i = 0; i < 8; i++) {
          int index = i;
          int jitterMicros = random.nextInt(2000);
          Supplier<Http.Response> request = index == endAfter
              ? () -> http.send("DELETE", "/v1/sessions/" + session, racer, null)
              : index % 2 == 0
                  ? () -> http.send("POST", "/v1/locks/acquire", racer,
                      new JsonObject().put("key", "race/" + seed + "/" + session + "/" + index).encode(), "Coordinator-Session", session)
                  : () -> http.send("POST", "/v1/tasks/claim", racer,
                      new JsonObject().put("task_types", new JsonArray().add(type)).encode(), "Coordinator-Session", session);
          answers.add(CompletableFuture.supplyAsync(() -> {
            try {
              start.await();
              TimeUnit.MICROSECONDS.sleep(jitterMicros);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return request.get();
          }, pool));
        }
        start.countDown();
        for (CompletableFuture<Http.Response> answer : answers) {
          Http.Response response = answer.get(60, TimeUnit.SECONDS);
          assertTrue(response.status() == 200 || response.status() == 400 && "VALIDATION_FAILED".equals(response.errorCode()),
              "seed=" + seed + ": " + response);
        }
        assertNothingOnEndedSessions("seed=" + seed + " round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A waiting acquire queued in session S: S ends while the lock is still held. The wait ends
   * with S (answered as an acquire in an ended session) and is never granted afterwards.
   */
  @Test
  @Tag("LOCK-4")
  void aWaitQueuedInASessionEndsWithIt() throws Exception {
    String key = "src/waited-on.py";
    String session = session(racer);
    assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", key).put("ttl_seconds", 300)).status());
    CompletableFuture<Http.Response> waiting;
    try (Connection blocker = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      blocker.setAutoCommit(false);
      try (Statement statement = blocker.createStatement()) {
        statement.executeQuery("SELECT 1 FROM locks WHERE key = '" + key + "' FOR UPDATE").close();
      }
      waiting = CompletableFuture.supplyAsync(() -> http.send("POST", "/v1/locks/acquire", racer,
          new JsonObject().put("key", key).put("wait_ms", 60_000).encode(), "Coordinator-Session", session));
      service.database().awaitBlockedBackends(1);
      blocker.commit();
    }
    assertEquals(200, http.send("DELETE", "/v1/sessions/" + session, racer, null).status());
    Http.Response answer;
    try {
      answer = waiting.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      assertEquals(200, http.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
      Http.Response late = waiting.get(60, TimeUnit.SECONDS);
      fail("the wait outlived its session; after the holder released it was answered " + late);
      return;
    }
    assertEquals(400, answer.status(), answer::toString);
    assertEquals("VALIDATION_FAILED", answer.errorCode());
    assertEquals(200, http.post("/v1/locks/release", holder, new JsonObject().put("key", key)).status());
    assertNothingOnEndedSessions("after the wait");
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = ?", key));
  }

  /**
   * The end of a session gives its claimed task back and wakes waiting claims, but only once that
   * committed: an end held up before its commit (here: storing its Idempotency-Key waits on
   * another transaction) must not wake them early, or they find nothing and sleep until their
   * deadline.
   */
  @Test
  @Tag("TASK-5")
  void theEndWakesWaitingClaimsOnlyOnceItCommitted() throws Exception {
    String type = "after-commit";
    String session = session(racer);
    submit(type);
    Http.Response claimed = http.send("POST", "/v1/tasks/claim", racer,
        new JsonObject().put("task_types", new JsonArray().add(type)).encode(), "Coordinator-Session", session);
    String task = claimed.json().getJsonObject("task").getString("id");
    CompletableFuture<Http.Response> waiting;
    try (Connection blocker = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      blocker.setAutoCommit(false);
      try (Statement statement = blocker.createStatement()) {
        statement.execute("LOCK TABLE task_claims IN ACCESS EXCLUSIVE MODE");
      }
      waiting = CompletableFuture.supplyAsync(() -> http.post("/v1/tasks/claim", submitter,
          new JsonObject().put("task_types", new JsonArray().add(type)).put("wait_ms", 60_000)));
      service.database().awaitBlockedBackends(1);
      blocker.commit();
    }
    CompletableFuture<Http.Response> ended;
    try (Connection key = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      key.setAutoCommit(false);
      try (Statement statement = key.createStatement()) {
        statement.executeUpdate("INSERT INTO idempotency_keys (agent, key, request_hash, reply)"
            + " VALUES ('racer', 'end-after-commit', '\\x00', '{}')");
      }
      ended = CompletableFuture.supplyAsync(() -> http.send("DELETE", "/v1/sessions/" + session, racer, null,
          "Idempotency-Key", "end-after-commit"));
      service.database().awaitBlockedBackends(1);
      key.rollback();
    }
    assertEquals(200, ended.get(60, TimeUnit.SECONDS).status());
    Http.Response answer;
    try {
      answer = waiting.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("the waiting claim was not woken once the end committed (it was woken before, found nothing, and sleeps)");
      return;
    }
    assertEquals(task, answer.json().getJsonObject("task").getString("id"), answer::toString);
  }

  private static void assertNothingOnEndedSessions(String context) {
    assertEquals(List.of(), service.database().query("SELECT l.key, l.session_id FROM locks l JOIN sessions s"
        + " ON s.id::text = l.session_id WHERE s.status <> 'active' AND l.expires_at > now()"),
        context + ": LOCK-4 live locks on ended sessions");
    assertEquals(List.of(), service.database().query("SELECT t.id, t.claim_session FROM tasks t JOIN sessions s"
        + " ON s.id::text = t.claim_session WHERE s.status <> 'active' AND t.status = 'claimed'"),
        context + ": TASK-5 claimed tasks on ended sessions");
  }

}
