package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TASK-3, TASK-5: a claim whose lease runs out goes back to the queue, or fails on its last attempt. */
class QueueLeaseTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");

  private static JsonObject task(String agent, String id) {
    return service.http().get("/v1/tasks/" + id, agent).json().getJsonObject("task");
  }

  private static JsonObject claim(String agent, String type, int leaseSeconds) {
    Http.Response response = service.http().post("/v1/tasks/claim", agent, new JsonObject()
        .put("task_types", new JsonArray().add(type)).put("lease_seconds", leaseSeconds));
    assertEquals(200, response.status(), response::toString);
    return response.json().getJsonObject("task");
  }

  private static Http.Response complete(String agent, JsonObject claimed) {
    return service.http().post("/v1/tasks/" + claimed.getString("id") + "/complete", agent,
        new JsonObject().put("claim_token", claimed.getString("claim_token")).put("success", true));
  }

  @Test
  void anExpiredClaimIsRequeuedOrFailedAndTheStaleClaimantIsRefused() {
    Http http = service.http();
    String submitter = service.agent("submitter", "operator", 2);
    String slow = service.agent("slow", "claude_code", 2);
    String fresh = service.agent("fresh", "codex", 2);
    String retried = http.post("/v1/tasks", submitter, new JsonObject().put("task_type", "retry").put("description", "x"))
        .json().getJsonObject("task").getString("id");
    String lastChance = http.post("/v1/tasks", submitter, new JsonObject().put("task_type", "once").put("description", "y")
        .put("max_attempts", 1)).json().getJsonObject("task").getString("id");
    String dependent = http.post("/v1/tasks", submitter, new JsonObject().put("task_type", "after").put("description", "z")
        .put("depends_on", new JsonArray().add(lastChance))).json().getJsonObject("task").getString("id");

    JsonObject first = claim(slow, "retry", 10);
    JsonObject only = claim(slow, "once", 10);
    assertEquals(retried, first.getString("id"));
    assertEquals(lastChance, only.getString("id"));
    // The shortest lease is 10 s; the sweeper acts on it by the database's clock.
    Await.until("the sweeper requeued " + retried + " and failed " + lastChance, () ->
        "pending".equals(task(submitter, retried).getString("status"))
            && "failed".equals(task(submitter, lastChance).getString("status")));

    JsonObject requeued = task(submitter, retried);
    assertEquals("pending", requeued.getString("status"), "TASK-5: back in the queue");
    assertEquals(1, requeued.getInteger("attempt"));
    JsonObject second = claim(fresh, "retry", 600);
    assertEquals(retried, second.getString("id"));
    assertEquals(2, second.getInteger("attempt"));
    assertNotEquals(first.getString("claim_token"), second.getString("claim_token"), "TASK-1: a new token per claim");

    Http.Response stale = complete(slow, first);
    assertEquals(409, stale.status(), stale::toString);
    assertEquals("STALE_CLAIM", stale.errorCode(), "TASK-3: the first claimant's completion is refused");
    assertEquals("STALE_CLAIM", http.post("/v1/tasks/" + retried + "/renew", slow,
        new JsonObject().put("claim_token", first.getString("claim_token"))).errorCode());
    assertEquals(200, complete(fresh, second).status(), "TASK-3: the current claimant's completion counts");
    assertEquals("fresh", task(submitter, retried).getString("claimed_by"));
    assertEquals("STALE_CLAIM", complete(slow, first).errorCode(),
        "issue 11 item 18: a dead token stays STALE_CLAIM once the task is finished by its next claimant (queue.md)");
    assertEquals("INVALID_STATE", service.http().post("/v1/tasks/" + retried + "/complete", fresh, new JsonObject()
        .put("claim_token", second.getString("claim_token")).put("success", false).put("error", "changed my mind"))
        .errorCode(), "a different second completion by the claim that finished it");

    JsonObject failed = task(submitter, lastChance);
    assertEquals("failed", failed.getString("status"), "TASK-5: the last attempt's expiry fails the task");
    assertTrue(failed.getString("error").contains("lease expired"), failed.getString("error"));
    assertEquals("cancelled", task(submitter, dependent).getString("status"), "TASK-4: and cancels its dependents");
    assertEquals("STALE_CLAIM", complete(slow, only).errorCode(),
        "issue 11 item 18: a completion after the sweeper failed the task is a dead token (queue.md), not INVALID_STATE");

    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'system' AND action = 'requeue_task'"
        + " AND resource = ?", retried), "AUD-1: the sweeper's transition is audited, by the system");
    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'system' AND action = 'fail_task'"
        + " AND resource = ?", lastChance));
  }
}
