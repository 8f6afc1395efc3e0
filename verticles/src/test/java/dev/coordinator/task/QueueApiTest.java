package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The work queue end to end over HTTP (TASK-2, TASK-4, TASK-6, AUD-1). */
class QueueApiTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");
  private static Http http;
  private static String alice;
  private static String bob;
  private static String root;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
    root = service.agent("root", "operator", 3);
  }

  static JsonObject submit(String agent, String type, JsonObject extra) {
    Http.Response response = http.post("/v1/tasks", agent, extra.copy().put("task_type", type).put("description", "do " + type));
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("task");
  }

  static JsonObject claim(String agent, String... types) {
    Http.Response response = http.post("/v1/tasks/claim", agent, new JsonObject().put("task_types", new JsonArray(List.of(types))));
    assertEquals(200, response.status(), response::toString);
    return response.json().getJsonObject("task");
  }

  static Http.Response complete(String agent, JsonObject claimed, boolean success, Object result) {
    return http.post("/v1/tasks/" + claimed.getString("id") + "/complete", agent, new JsonObject()
        .put("claim_token", claimed.getString("claim_token")).put("success", success).put("result", result));
  }

  @Test
  void submitClaimCompleteAndTheResultIsWrittenOnce() {
    JsonObject submitted = submit(alice, "story", new JsonObject().put("input", new JsonObject().put("file", "a.py")));
    assertEquals("pending", submitted.getString("status"));
    assertEquals("alice", submitted.getString("submitted_by"));
    assertEquals(3, submitted.getInteger("max_attempts"));
    assertEquals(5, submitted.getInteger("priority"));

    JsonObject claimed = claim(bob, "story");
    assertEquals(submitted.getString("id"), claimed.getString("id"));
    assertEquals("claimed", claimed.getString("status"));
    assertEquals("bob", claimed.getString("claimed_by"));
    assertEquals(1, claimed.getInteger("attempt"));
    assertNotNull(claimed.getString("claim_token"));
    assertNotNull(claimed.getString("lease_expires_at"));
    assertNull(http.get("/v1/tasks/" + claimed.getString("id"), alice).json().getJsonObject("task").getValue("claim_token"),
        "the claim token is shown only to the claimant");

    Http.Response done = complete(bob, claimed, true, new JsonObject().put("lines", 42));
    assertEquals(200, done.status(), done::toString);
    assertEquals("completed", done.json().getJsonObject("task").getString("status"));
    assertEquals(new JsonObject().put("lines", 42), done.json().getJsonObject("task").getJsonObject("result"));

    Http.Response repeat = complete(bob, claimed, true, new JsonObject().put("lines", 42));
    assertEquals(200, repeat.status(), "TASK-2: the identical completion repeated answers the same: " + repeat);
    assertEquals(done.json().getJsonObject("task"), repeat.json().getJsonObject("task"));

    Http.Response different = complete(bob, claimed, true, new JsonObject().put("lines", 7));
    assertEquals(409, different.status());
    assertEquals("INVALID_STATE", different.errorCode(), "TASK-2: a second, different completion");
    Http.Response failing = complete(bob, claimed, false, null);
    assertEquals("INVALID_STATE", failing.errorCode());
    assertEquals(new JsonObject().put("lines", 42),
        http.get("/v1/tasks/" + claimed.getString("id"), alice).json().getJsonObject("task").getJsonObject("result"),
        "TASK-2: the stored result is unchanged");
    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE action = 'complete_work' AND resource = ?"
        + " AND outcome = 'ok' AND result->>'repeat' IS NULL", claimed.getString("id")), "AUD-1: one completion");
  }

  @Test
  void onlyTheClaimantCompletes() {
    JsonObject claimed = claim(alice, submit(alice, "solo", new JsonObject()).getString("task_type"));
    Http.Response stranger = complete(bob, claimed, true, null);
    assertEquals("NOT_CLAIMANT", stranger.errorCode());
    Http.Response forged = http.post("/v1/tasks/" + claimed.getString("id") + "/complete", alice, new JsonObject()
        .put("claim_token", "00000000-0000-4000-8000-000000000000").put("success", true));
    assertEquals("NOT_CLAIMANT", forged.errorCode(), "a token never issued to the caller");
    Http.Response renewed = http.post("/v1/tasks/" + claimed.getString("id") + "/renew", alice,
        new JsonObject().put("claim_token", claimed.getString("claim_token")).put("lease_seconds", 3600));
    assertEquals(200, renewed.status(), renewed::toString);
    assertTrue(renewed.json().getJsonObject("task").getString("lease_expires_at")
        .compareTo(claimed.getString("lease_expires_at")) > 0, "renew extends the lease");
    assertEquals("NOT_CLAIMANT", http.post("/v1/tasks/" + claimed.getString("id") + "/renew", bob,
        new JsonObject().put("claim_token", claimed.getString("claim_token"))).errorCode());
    assertEquals("NOT_FOUND", http.post("/v1/tasks/00000000-0000-4000-8000-000000000001/complete", alice,
        new JsonObject().put("claim_token", claimed.getString("claim_token")).put("success", true)).errorCode());
  }

  @Test
  void lowerPriorityNumberFirstThenOldestFirst() {
    String type = "ordered";
    List<String> ids = new ArrayList<>();
    for (int priority : new int[] {5, 1, 5, 1, 10, 3}) {
      ids.add(submit(alice, type, new JsonObject().put("priority", priority)).getString("id"));
    }
    List<String> claimed = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      claimed.add(claim(bob, type).getString("id"));
    }
    assertEquals(List.of(ids.get(1), ids.get(3), ids.get(5), ids.get(0), ids.get(2), ids.get(4)), claimed, "TASK-6");
    assertNull(claim(bob, type), "nothing left");
  }

  @Test
  void aChainAndADiamondCompleteInDependencyOrder() {
    String type = "chain";
    String a = submit(alice, type, new JsonObject()).getString("id");
    String b = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(a)).put("priority", 1)).getString("id");
    String c = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(a)).put("priority", 1)).getString("id");
    String d = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(b).add(c)).put("priority", 1)).getString("id");
    List<List<String>> waves = new ArrayList<>();
    for (int wave = 0; wave < 4; wave++) {
      List<JsonObject> claimable = new ArrayList<>();
      for (JsonObject next = claim(bob, type); next != null; next = claim(bob, type)) {
        claimable.add(next);
      }
      if (claimable.isEmpty()) {
        break;
      }
      waves.add(claimable.stream().map(task -> task.getString("id")).sorted().toList());
      claimable.forEach(task -> assertEquals(200, complete(bob, task, true, null).status()));
    }
    assertEquals(List.of(List.of(a), List.of(b, c).stream().sorted().toList(), List.of(d)), waves,
        "TASK-4: each task is claimable exactly when all its dependencies completed");
  }

  @Test
  void anUnknownDependencyStoresNothing() {
    long before = service.database().count("tasks");
    Http.Response response = http.post("/v1/tasks", alice, new JsonObject().put("task_type", "x").put("description", "y")
        .put("depends_on", new JsonArray().add("00000000-0000-4000-8000-00000000dead")));
    assertEquals(422, response.status(), response::toString);
    assertEquals("UNKNOWN_DEPENDENCY", response.errorCode());
    assertEquals(before, service.database().count("tasks"), "TASK-4: nothing stored");
  }

  @Test
  void aFailedDependencyCancelsItsDependentsTransitively() {
    String type = "doomed";
    String a = submit(alice, type, new JsonObject()).getString("id");
    String b = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(a))).getString("id");
    String c = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(b))).getString("id");
    JsonObject claimed = claim(bob, type);
    assertEquals(a, claimed.getString("id"));
    assertEquals(200, complete(bob, claimed, false, null).status());
    for (String dependent : List.of(b, c)) {
      JsonObject task = http.get("/v1/tasks/" + dependent, alice).json().getJsonObject("task");
      assertEquals("cancelled", task.getString("status"), "TASK-4: " + dependent);
      assertTrue(task.getString("error").contains(a), "the reason names the failed dependency: " + task.getString("error"));
    }
    JsonObject late = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(a)));
    assertEquals("cancelled", late.getString("status"), "a task submitted on a failed dependency is cancelled at once");
  }

  @Test
  void cancelBySubmitterOrAdminCascadesAndIsFinal() {
    String type = "cancellable";
    String a = submit(alice, type, new JsonObject()).getString("id");
    String b = submit(alice, type, new JsonObject().put("depends_on", new JsonArray().add(a))).getString("id");
    Http.Response notMine = http.post("/v1/tasks/" + a + "/cancel", bob, new JsonObject().put("reason", "mine now"));
    assertEquals(403, notMine.status(), notMine::toString);
    assertEquals("POLICY_DENIED", notMine.errorCode());
    Http.Response cancelled = http.post("/v1/tasks/" + a + "/cancel", alice, new JsonObject().put("reason", "plan changed"));
    assertEquals(200, cancelled.status(), cancelled::toString);
    assertEquals("cancelled", cancelled.json().getJsonObject("task").getString("status"));
    JsonObject dependent = http.get("/v1/tasks/" + b, alice).json().getJsonObject("task");
    assertEquals("cancelled", dependent.getString("status"));
    assertTrue(dependent.getString("error").contains("plan changed"), dependent.getString("error"));
    assertEquals("INVALID_STATE", http.post("/v1/tasks/" + a + "/cancel", alice, new JsonObject().put("reason", "again")).errorCode());

    String other = submit(bob, type, new JsonObject()).getString("id");
    assertEquals(200, http.post("/v1/tasks/" + other + "/cancel", root, new JsonObject().put("reason", "admin")).status(),
        "trust 3 cancels anyone's task");
  }

  @Test
  void aWaitingClaimGetsWorkSubmittedLaterAndNothingWhenTheWaitRunsOut() throws Exception {
    String type = "awaited";
    Http.Response empty = http.post("/v1/tasks/claim", bob, new JsonObject().put("task_types", new JsonArray().add(type)).put("wait_ms", 300));
    assertEquals(200, empty.status());
    assertTrue(empty.json().containsKey("task") && empty.json().getValue("task") == null, empty::toString);

    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> http.post("/v1/tasks/claim", bob,
        new JsonObject().put("task_types", new JsonArray().add(type)).put("wait_ms", 30_000)));
    Await.gauge(http, "coordinator_waiting_claims", 1);
    String id = submit(alice, type, new JsonObject()).getString("id");
    Http.Response got = waiting.get(30, TimeUnit.SECONDS);
    assertEquals(id, got.json().getJsonObject("task").getString("id"), "the submit woke the waiting claim");
  }

  @Test
  void listFiltersByStatusAndType() {
    String type = "listed";
    submit(alice, type, new JsonObject());
    submit(alice, type, new JsonObject());
    claim(bob, type);
    JsonArray pending = http.get("/v1/tasks?status=pending&task_type=" + type, alice).json().getJsonArray("tasks");
    assertEquals(1, pending.size());
    JsonArray all = http.get("/v1/tasks?task_type=" + type + "&limit=500", alice).json().getJsonArray("tasks");
    assertEquals(2, all.size());
    assertNotEquals(all.getJsonObject(0).getString("id"), all.getJsonObject(1).getString("id"));
    assertEquals("VALIDATION_FAILED", http.get("/v1/tasks?status=done", alice).errorCode());
    assertEquals("VALIDATION_FAILED", http.get("/v1/tasks?limit=501", alice).errorCode());
    assertEquals("VALIDATION_FAILED", http.get("/v1/tasks/not-a-uuid", alice).errorCode());
  }
}
