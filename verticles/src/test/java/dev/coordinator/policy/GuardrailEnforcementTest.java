package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ENF-1, ENF-3, ENF-4: guardrails over HTTP: blocked callers change nothing, bypasses are recorded, errors deny. */
class GuardrailEnforcementTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String writer;
  private static String admin;

  @BeforeAll
  static void agents() {
    http = service.http();
    writer = service.agent("writer", "claude_code", 2);
    admin = service.agent("admin", "operator", 4);
  }

  private static Http.Response submit(String agent, String type, String description) {
    return http.post("/v1/tasks", agent, new JsonObject().put("task_type", type).put("description", description));
  }

  private static List<Map<String, Object>> violations(String agent, String guardrail) {
    return service.database().query("SELECT trust::int AS trust, blocked, bypassed, action FROM guardrail_violations"
        + " WHERE agent = ? AND guardrail = ? ORDER BY id", agent, guardrail);
  }

  @Test
  void aBlockedSubmitStoresNothingAndIsAuditedAsBlocked() {
    long tasks = service.database().count("tasks");
    Http.Response blocked = submit(writer, "cleanup", "clean the workspace with rm -rf build/ before the run");
    assertEquals(403, blocked.status(), blocked::toString);
    assertEquals("GUARDRAIL_BLOCKED", blocked.errorCode());
    JsonArray found = blocked.json().getJsonObject("error").getJsonObject("details").getJsonArray("violations");
    assertEquals("rm-recursive-force", found.getJsonObject(0).getString("pattern"));
    assertEquals(true, found.getJsonObject(0).getBoolean("blocked"));
    assertEquals(tasks, service.database().count("tasks"), "ENF-1: a guardrail-blocked submit stored nothing");
    assertEquals(List.of(Map.of("trust", 2, "blocked", true, "bypassed", false, "action", "submit_work")),
        violations("writer", "rm-recursive-force"), "ENF-4: the match is a violation row with the caller's trust");
    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'writer'"
        + " AND action = 'submit_work' AND resource = 'cleanup' AND outcome = 'blocked' AND decision = 'deny'"));
  }

  @Test
  void enoughTrustBypassesIsRecordedAndKeepsTheTaskFromLowerTrustClaimants() {
    Http.Response bypassed = submit(admin, "teardown", "git reset --hard origin/main");
    assertEquals(201, bypassed.status(), "trust 4 bypasses the hard-reset guardrail: " + bypassed);
    assertEquals(List.of(Map.of("trust", 4, "blocked", false, "bypassed", true, "action", "submit_work")),
        violations("admin", "git-hard-reset"), "ENF-4: a bypassed match is recorded as bypassed");
    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'admin'"
        + " AND action = 'guardrail_match'"));
    JsonObject none = http.post("/v1/tasks/claim", writer, new JsonObject().put("task_types", new JsonArray().add("teardown")))
        .json();
    assertNull(none.getValue("task"), "ENF-3: a trust-2 claimant does not get a task whose text needs trust 3");
    String id = bypassed.json().getJsonObject("task").getString("id");
    assertEquals("pending", service.database().value("SELECT status FROM tasks WHERE id = ?::uuid", id));
    JsonObject claimed = http.post("/v1/tasks/claim", admin, new JsonObject().put("task_types", new JsonArray().add("teardown")))
        .json().getJsonObject("task");
    assertEquals(id, claimed.getString("id"), "a claimant with the trust gets it");
  }

  @Test
  void aBlockedCompletionLeavesTheClaimOpen() {
    assertEquals(201, submit(admin, "report", "summarize the orders table").status());
    JsonObject claimed = http.post("/v1/tasks/claim", writer, new JsonObject().put("task_types", new JsonArray().add("report")))
        .json().getJsonObject("task");
    JsonObject dangerous = new JsonObject().put("claim_token", claimed.getString("claim_token")).put("success", true)
        .put("result", new JsonObject().put("next", "run TRUNCATE orders to reset"));
    Http.Response blocked = http.post("/v1/tasks/" + claimed.getString("id") + "/complete", writer, dangerous);
    assertEquals("GUARDRAIL_BLOCKED", blocked.errorCode());
    assertEquals("claimed", service.database().value("SELECT status FROM tasks WHERE id = ?::uuid", claimed.getString("id")),
        "ENF-1: the blocked completion changed nothing");
    Http.Response safe = http.post("/v1/tasks/" + claimed.getString("id") + "/complete", writer, new JsonObject()
        .put("claim_token", claimed.getString("claim_token")).put("success", true).put("result", new JsonObject().put("rows", 3)));
    assertEquals(200, safe.status(), safe::toString);
  }

  @Test
  void theWholeTextIsChecked() {
    Http.Response late = submit(writer, "long", "a".repeat(5_000) + "\nthen DROP TABLE users;");
    assertEquals("GUARDRAIL_BLOCKED", late.errorCode(), "a match past 2000 characters still blocks");
  }

  @Test
  void anExplicitCheckAnswersForTheCallerAndRecordsMatches() {
    JsonObject unsafe = http.post("/v1/guardrails/check", writer, new JsonObject().put("text", "deploy: npm publish")
        .put("file_paths", new JsonArray().add("config/.env"))).json();
    assertFalse(unsafe.getBoolean("safe"));
    List<String> patterns = unsafe.getJsonArray("violations").stream().map(v -> ((JsonObject) v).getString("pattern")).toList();
    assertTrue(patterns.containsAll(List.of("deploy-publish", "credential-files")), patterns::toString);
    JsonObject safe = http.post("/v1/guardrails/check", writer, new JsonObject().put("text", "run the unit tests")).json();
    assertEquals(new JsonObject().put("safe", true).put("violations", new JsonArray()), safe);
    assertEquals(2, violations("writer", "deploy-publish").size() + violations("writer", "credential-files").size());
  }

  @Test
  void aPatternThatOverflowedTheOldMatcherIsJudgedOnLongText() {
    // java.util.regex overflowed its stack on this (the check then denied); RE2/J judges it (HARD-1).
    service.database().execute("INSERT INTO guardrails (id, category, pattern, severity, bypass_trust, description)"
        + " VALUES ('pathological', 'test', '(a|b)*c', 'block', NULL, 'recurses on long input')");
    try {
      JsonObject body = new JsonObject().put("task_type", "fragile").put("description", "d").put("input", "a".repeat(200_000) + "c");
      // The new row reaches the gate by the database's notification.
      AtomicReference<Http.Response> answer = new AtomicReference<>();
      Await.until("ENF-3: the new pattern matches and blocks", () -> {
        answer.set(http.post("/v1/tasks", writer, body));
        return answer.get().status() == 403;
      });
      assertEquals("GUARDRAIL_BLOCKED", answer.get().errorCode());
      assertEquals(201, http.post("/v1/tasks", writer, body.copy().put("input", "a".repeat(200_000))).status(),
          "no match, no block");
    } finally {
      service.database().execute("DELETE FROM guardrails WHERE id = 'pathological'");
    }
  }
}
