package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How a grant is decided: the fencing token is drawn once the grant is decided (LOCK-2), a loser
 * is told who won (api.md §3 LOCK_HELD), and a lock taken in a session belongs to that session.
 */
class LockGrantTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
  }

  private static Http.Response acquire(String agent, String key, String... headers) {
    return http.send("POST", "/v1/locks/acquire", agent, new JsonObject().put("key", key).put("ttl_seconds", 60).encode(), headers);
  }

  /**
   * A release in flight (its DELETE not yet committed) makes an acquire wait on the row. Tokens
   * drawn meanwhile (by acquires elsewhere) are older than the grant, which is decided only when
   * the release commits: the grant's token must be newer than all of them.
   */
  @Test
  @Tag("LOCK-2")
  void theTokenIsDrawnAfterTheWaitForARelease() throws Exception {
    String key = "src/hot-release.py";
    long first = acquire(alice, key).json().getJsonObject("lock").getLong("fencing_token");
    try (Connection release = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      release.setAutoCommit(false);
      try (Statement statement = release.createStatement()) {
        assertEquals(1, statement.executeUpdate("DELETE FROM locks WHERE key = '" + key + "'"));
      }
      CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> acquire(bob, key));
      service.database().awaitBlockedBackends(1);
      long drawnMeanwhile = nextToken();
      release.commit();
      Http.Response granted = waiting.get(60, TimeUnit.SECONDS);
      assertEquals(200, granted.status(), granted::toString);
      long token = granted.json().getJsonObject("lock").getLong("fencing_token");
      assertTrue(token > first && token > drawnMeanwhile,
          "LOCK-2: the grant's token " + token + " is newer than the previous holder's " + first
              + " and than " + drawnMeanwhile + ", drawn before the grant was decided");
    }
  }

  /**
   * N clients race for each of several fresh keys: exactly one wins each, and every loser is told
   * that winner and when its lease ends (a loser's statement may have started before the winner's
   * row existed).
   */
  @Test
  @Tag("LOCK-1")
  void everyLoserOfARaceOnAFreshKeyIsToldTheWinner() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    Random random = new Random(seed);
    int clients = 6;
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      keys.add(service.agent("racer" + i, "claude_code", 2));
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      for (int round = 0; round < 25; round++) {
        String key = "fresh/" + seed + "/" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Http.Response>> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          String agent = keys.get(i);
          int delayMicros = random.nextInt(300);
          answers.add(CompletableFuture.supplyAsync(() -> {
            try {
              start.await();
              TimeUnit.MICROSECONDS.sleep(delayMicros);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return acquire(agent, key);
          }, pool));
        }
        start.countDown();
        List<Http.Response> responses = new ArrayList<>();
        for (CompletableFuture<Http.Response> answer : answers) {
          responses.add(answer.get(60, TimeUnit.SECONDS));
        }
        List<JsonObject> winners = responses.stream().filter(r -> r.status() == 200)
            .map(r -> r.json().getJsonObject("lock")).toList();
        assertEquals(1, winners.size(), "seed=" + seed + " key " + key + ": one winner: " + responses);
        JsonObject winner = winners.get(0);
        for (Http.Response response : responses) {
          if (response.status() == 200) {
            continue;
          }
          assertEquals("LOCK_HELD", response.errorCode(), "seed=" + seed + ": " + response);
          JsonObject details = response.json().getJsonObject("error").getJsonObject("details");
          assertEquals(winner.getString("holder"), details.getString("holder"),
              "seed=" + seed + " key " + key + ": the loser is told the winner: " + response);
          assertEquals(winner.getString("expires_at"), details.getString("expires_at"), "seed=" + seed + ": " + response);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Two processes of one agent, in two sessions: the lock belongs to the session that took it.
   * The other session (and the agent without a session) is refused, told the holder and the
   * session, and can neither refresh, renew nor release it.
   */
  @Test
  @Tag("LOCK-3")
  void aLockTakenInASessionBelongsToThatSession() {
    String first = session(alice);
    String second = session(alice);
    String key = "src/two-processes.py";
    Http.Response taken = acquire(alice, key, "Coordinator-Session", first);
    assertEquals(200, taken.status(), taken::toString);
    long token = taken.json().getJsonObject("lock").getLong("fencing_token");

    for (String[] elsewhere : List.of(new String[] {"Coordinator-Session", second}, new String[0])) {
      Http.Response refused = acquire(alice, key, elsewhere);
      assertEquals(409, refused.status(), refused::toString);
      assertEquals("LOCK_HELD", refused.errorCode());
      JsonObject details = refused.json().getJsonObject("error").getJsonObject("details");
      assertEquals("alice", details.getString("holder"));
      assertEquals(first, details.getString("session_id"), refused::toString);
      JsonObject body = new JsonObject().put("key", key).put("fencing_token", token);
      assertEquals("NOT_LOCK_HOLDER", http.send("POST", "/v1/locks/renew", alice, body.encode(), elsewhere).errorCode());
      assertEquals("NOT_LOCK_HOLDER", http.send("POST", "/v1/locks/release", alice, body.encode(), elsewhere).errorCode());
    }
    assertEquals(first, service.database().value("SELECT session_id FROM locks WHERE key = ?", key));
    Http.Response refreshed = acquire(alice, key, "Coordinator-Session", first);
    assertEquals("refreshed", refreshed.json().getString("action"), refreshed::toString);
    assertEquals(200, http.send("POST", "/v1/locks/release", alice, new JsonObject().put("key", key).encode(),
        "Coordinator-Session", first).status());
  }

  private static String session(String agent) {
    Http.Response response = http.post("/v1/sessions", agent, new JsonObject());
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("session").getString("id");
  }

  private static long nextToken() {
    Object value = service.database().value("SELECT nextval('lock_fencing_token_seq')");
    assertNotNull(value);
    return ((Number) value).longValue();
  }

}
