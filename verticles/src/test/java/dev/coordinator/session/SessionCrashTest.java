package dev.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** LOCK-4, TASK-5: an agent that stops heartbeating loses exactly what its session held. */
class SessionCrashTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--session-timeout", "2", "--sweep-interval", "100");
  /** The waiter's own time: long enough that being served at its end cannot pass for being woken. */
  private static final int WAIT_MS = 50_000;

  private static String session(String agent) {
    Http.Response response = service.http().post("/v1/sessions", agent, new JsonObject().put("capabilities", new JsonArray().add("python")));
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("session").getString("id");
  }

  private static Http.Response inSession(String agent, String session, String path, JsonObject body) {
    return service.http().send("POST", path, agent, body.encode(), "Coordinator-Session", session);
  }

  @Test
  void aSilentSessionIsReapedAndOnlyItsLocksAndClaimsAreReturned() throws Exception {
    Http http = service.http();
    String crasher = service.agent("crasher", "claude_code", 2);
    String survivor = service.agent("survivor", "codex", 2);
    String waiter = service.agent("waiter", "cursor", 2);
    String crashed = session(crasher);
    String alive = session(survivor);

    assertEquals(200, inSession(crasher, crashed, "/v1/locks/acquire", new JsonObject().put("key", "src/crash.py")).status());
    assertEquals(200, inSession(crasher, crashed, "/v1/locks/acquire", new JsonObject().put("key", "db:crash")).status());
    assertEquals(200, http.post("/v1/locks/acquire", crasher, new JsonObject().put("key", "src/sessionless.py")).status(),
        "a lock taken outside any session");
    assertEquals(200, inSession(survivor, alive, "/v1/locks/acquire", new JsonObject().put("key", "src/survivor.py")).status());
    String taskId = http.post("/v1/tasks", survivor, new JsonObject().put("task_type", "crashy").put("description", "d"))
        .json().getJsonObject("task").getString("id");
    JsonObject claimed = inSession(crasher, crashed, "/v1/tasks/claim", new JsonObject()).json().getJsonObject("task");
    assertEquals(taskId, claimed.getString("id"));

    long waitStarted = System.nanoTime();
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> http.post("/v1/locks/acquire", waiter,
        new JsonObject().put("key", "src/crash.py").put("wait_ms", WAIT_MS)));
    // The survivor heartbeats between looks, as a live agent does.
    Await.until("the silent session is reaped", () -> {
      assertEquals(200, http.post("/v1/sessions/" + alive + "/heartbeat", survivor, new JsonObject()).status());
      return "reaped".equals(service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", crashed));
    });
    assertEquals("active", service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", alive));

    Http.Response woken = waiting.get(90, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitStarted);
    assertEquals(200, woken.status(), "the release event of the reaped lock woke the waiter: " + woken);
    // Without the reaper's release event the waiter would still get the lock, but only at its own deadline.
    assertTrue(waitedMs < WAIT_MS / 2, "LOCK-4: the reaper's release woke the waiter (waited " + waitedMs + " ms of " + WAIT_MS + ")");
    assertEquals("waiter", woken.json().getJsonObject("lock").getString("holder"));
    JsonArray live = http.get("/v1/locks", survivor).json().getJsonArray("locks");
    assertEquals(3, live.size(), "LOCK-4: exactly the session's locks were released: " + live.encode());
    assertTrue(live.encode().contains("src/survivor.py") && live.encode().contains("src/sessionless.py"));
    assertTrue(!live.encode().contains("db:crash"));

    JsonObject task = http.get("/v1/tasks/" + taskId, survivor).json().getJsonObject("task");
    assertEquals("pending", task.getString("status"), "TASK-5: the crashed claim went back to the queue");
    assertEquals("STALE_CLAIM", http.post("/v1/tasks/" + taskId + "/complete", crasher, new JsonObject()
        .put("claim_token", claimed.getString("claim_token")).put("success", true)).errorCode(),
        "TASK-3: the reaped claimant's token is stale");
    assertEquals(1L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = 'system' AND action = 'reap_session' AND resource = ?", crashed),
        "AUD-1: the reap is one audit row, by the system");
    assertEquals(2L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = 'system' AND action = 'release_lock' AND result->>'session_ended' = ?", crashed),
        "AUD-1: one row per lock the reap released");

    Http.Response stale = inSession(crasher, crashed, "/v1/locks/acquire", new JsonObject().put("key", "src/after.py"));
    assertEquals(400, stale.status(), "a reaped session cannot take new locks: " + stale);
    assertEquals("Coordinator-Session", stale.json().getJsonObject("error").getJsonObject("details").getString("field"));
  }
}
