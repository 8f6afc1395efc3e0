package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * api.md §4: a repeated mutation with the same Idempotency-Key answers the first outcome and acts
 * once, with one audit row for the change (AUD-1) and one for each replay.
 */
class IdempotencyTest {
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


  private static Http.Response send(String path, String agentKey, JsonObject body, String idempotencyKey) {
    return http.send("POST", path, agentKey, body.encode(), "Idempotency-Key", idempotencyKey);
  }

  private static long okRows(String key, String action) {
    return (Long) service.database().value("SELECT count(*) FROM audit_log WHERE resource = ? AND action = ? AND outcome = 'ok'"
        + " AND result->>'idempotent_replay' IS NULL", key, action);
  }

  private static long replayRows(String key) {
    return (Long) service.database().value(
        "SELECT count(*) FROM audit_log WHERE resource = ? AND (result->>'idempotent_replay')::boolean", key);
  }

  @Test
  void aRepeatAnswersTheFirstOutcomeAndActsOnce() {
    JsonObject body = new JsonObject().put("key", "src/once.py").put("ttl_seconds", 300);
    Http.Response first = send("/v1/locks/acquire", alice, body, "acquire-once-1");
    Http.Response again = send("/v1/locks/acquire", alice, body, "acquire-once-1");
    assertEquals(200, first.status(), first::toString);
    assertEquals(first.text(), again.text(), "the repeat answers exactly the first answer");
    assertEquals("acquired", again.json().getString("action"), "not 'refreshed': the repeat did not run again");
    assertEquals(1L, okRows("src/once.py", "acquire_lock"));
    assertEquals(1L, replayRows("src/once.py"), "the replay is audited as one");
  }

  @Test
  void theSameKeyWithAnotherRequestIsRefused() {
    send("/v1/locks/acquire", alice, new JsonObject().put("key", "src/first.py"), "reused-key");
    Http.Response other = send("/v1/locks/acquire", alice, new JsonObject().put("key", "src/second.py"), "reused-key");
    assertEquals(400, other.status(), other::toString);
    assertEquals("VALIDATION_FAILED", other.errorCode());
    assertEquals("Idempotency-Key", other.json().getJsonObject("error").getJsonObject("details").getString("field"));
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = 'src/second.py'"));
  }

  @Test
  void keysBelongToOneAgent() {
    Http.Response mine = send("/v1/locks/acquire", alice, new JsonObject().put("key", "src/alices.py"), "shared-name");
    Http.Response theirs = send("/v1/locks/acquire", bob, new JsonObject().put("key", "src/bobs.py"), "shared-name");
    assertEquals(200, mine.status());
    assertEquals(200, theirs.status(), "bob's key of the same name is his own: " + theirs);
    assertEquals("bob", theirs.json().getJsonObject("lock").getString("holder"));
  }

  @Test
  void concurrentDuplicatesActOnce() throws Exception {
    JsonObject body = new JsonObject().put("key", "src/stampede.py");
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<CompletableFuture<Http.Response>> answers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        answers.add(CompletableFuture.supplyAsync(() -> send("/v1/locks/acquire", alice, body, "stampede-1"), pool));
      }
      List<String> texts = new ArrayList<>();
      for (CompletableFuture<Http.Response> answer : answers) {
        Http.Response response = answer.get(60, TimeUnit.SECONDS);
        assertEquals(200, response.status(), response::toString);
        texts.add(response.text());
      }
      assertEquals(1, texts.stream().distinct().count(), "every duplicate got the same answer: " + texts);
      assertEquals(1L, okRows("src/stampede.py", "acquire_lock"), "one change, however many duplicates raced");
      assertEquals(19L, replayRows("src/stampede.py"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aReplayedReleaseDoesNotReleaseALaterLock() {
    JsonObject key = new JsonObject().put("key", "src/handed-on.py");
    assertEquals(200, http.post("/v1/locks/acquire", alice, key).status());
    Http.Response released = send("/v1/locks/release", alice, key, "release-1");
    assertEquals(200, released.status());
    long bobsToken = http.post("/v1/locks/acquire", bob, key).json().getJsonObject("lock").getLong("fencing_token");
    assertEquals(409, http.post("/v1/locks/acquire", alice, key).status(), "alice cannot take bob's lock");
    Http.Response replay = send("/v1/locks/release", alice, key, "release-1");
    assertEquals(released.text(), replay.text());
    assertEquals(bobsToken, service.database().value("SELECT fencing_token FROM locks WHERE key = 'src/handed-on.py'"),
        "the replay released nothing");
  }

  @Test
  void aFailedOutcomeIsReplayedToo() {
    JsonObject key = new JsonObject().put("key", "src/bobs-own.py");
    assertEquals(200, http.post("/v1/locks/acquire", bob, key).status());
    Http.Response refused = send("/v1/locks/acquire", alice, key, "refused-1");
    assertEquals("LOCK_HELD", refused.errorCode());
    assertEquals(200, http.post("/v1/locks/release", bob, key).status());
    Http.Response replay = send("/v1/locks/acquire", alice, key, "refused-1");
    assertEquals(refused.text(), replay.text(), "the first outcome stands, even once the lock is free");
    assertTrue(service.database().query("SELECT 1 FROM locks WHERE key = 'src/bobs-own.py' AND expires_at > now()").isEmpty());
  }
}
