package dev.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-2, LOCK-4, TASK-5: a wait that ends because its session ended is refused
 * (VALIDATION_FAILED on Coordinator-Session), and that refusal is a decision with its audit row,
 * like the same request sent after the end.
 */
class SessionEndedWaitAuditTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String waiter;
  private static String holder;

  @BeforeAll
  static void agents() {
    http = service.http();
    waiter = service.agent("waiter", "claude_code", 2);
    holder = service.agent("holder", "codex", 2);
  }

  private static String session() {
    Http.Response response = http.post("/v1/sessions", waiter, new JsonObject());
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("session").getString("id");
  }

  @Test
  @Tag("HARD-2")
  @Tag("TASK-5")
  void aWaitingClaimEndedWithItsSessionIsAudited() throws Exception {
    String session = session();
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> http.send("POST", "/v1/tasks/claim",
        waiter, new JsonObject().put("task_types", new JsonArray().add("never-submitted")).put("wait_ms", 60_000).encode(),
        "Coordinator-Session", session));
    awaitGauge("coordinator_waiting_claims", 1);
    assertEquals(200, http.send("DELETE", "/v1/sessions/" + session, waiter, null).status());
    Http.Response answer = waiting.get(60, TimeUnit.SECONDS);
    assertEquals(400, answer.status(), answer::toString);
    assertEquals("VALIDATION_FAILED", answer.errorCode());
    assertEquals(1L, refusals("get_work", session), "the refused claim has its audit row");
  }

  @Test
  @Tag("HARD-2")
  @Tag("LOCK-4")
  void waitingAcquiresEndedWithTheirSessionAreAudited() throws Exception {
    String key = "src/ended-wait.py";
    assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", key).put("ttl_seconds", 600)).status());
    String session = session();
    String body = new JsonObject().put("key", key).put("wait_ms", 60_000).encode();
    CompletableFuture<Http.Response> head = CompletableFuture.supplyAsync(() ->
        http.send("POST", "/v1/locks/acquire", waiter, body, "Coordinator-Session", session));
    awaitGauge("coordinator_waiting_acquires", 1);
    CompletableFuture<Http.Response> behind = CompletableFuture.supplyAsync(() ->
        http.send("POST", "/v1/locks/acquire", waiter, body, "Coordinator-Session", session));
    awaitGauge("coordinator_waiting_acquires", 2);
    assertEquals(200, http.send("DELETE", "/v1/sessions/" + session, waiter, null).status());
    for (CompletableFuture<Http.Response> waiting : java.util.List.of(head, behind)) {
      Http.Response answer = waiting.get(60, TimeUnit.SECONDS);
      assertEquals(400, answer.status(), answer::toString);
      assertEquals("VALIDATION_FAILED", answer.errorCode());
    }
    assertEquals(2L, refusals("acquire_lock", session), "each refused acquire has its audit row");
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE holder = 'waiter'"));
  }

  private static Object refusals(String action, String session) {
    return service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'waiter' AND action = ?"
        + " AND session_id = ? AND outcome = 'error' AND result->>'error' = 'VALIDATION_FAILED'", action, session);
  }

  private static void awaitGauge(String gauge, long count) {
    Await.gauge(http, gauge, count);
  }
}
