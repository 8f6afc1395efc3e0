package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-2, AUD-1, ENF-5: every refusal (bad input from an authenticated caller, someone else's
 * session, someone else's resource, a denial) is exactly one audit row, naming who tried what,
 * and bad text never becomes a 500. Empty claims, reads and ended sessions: {@link DecisionAuditTest}.
 */
@Tag("HARD-2")
@Tag("AUD-1")
@Tag("ENF-5")
class RefusalAuditTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;
  private static String suspended;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
    suspended = service.agent("mallory", "claude_code", 0);
  }

  /** What one request left in the audit trail: the rows written while it ran. */
  private record Outcome(Http.Response response, List<Map<String, Object>> rows) {
    Map<String, Object> only() {
      assertEquals(1, rows.size(), () -> "exactly one audit row for " + response + ", got " + rows);
      return rows.get(0);
    }
  }

  private static Outcome audited(Supplier<Http.Response> request) {
    long before = maxId();
    Http.Response response = request.get();
    List<Map<String, Object>> rows = service.database().query(
        "SELECT agent, action, decision, outcome, reason, result::text AS result FROM audit_log WHERE id > ? ORDER BY id",
        before);
    return new Outcome(response, rows);
  }

  private static long maxId() {
    return ((Number) service.database().value("SELECT coalesce(max(id), 0) FROM audit_log")).longValue();
  }

  private static void assertRow(Map<String, Object> row, String agent, String action, String decision, String outcome) {
    assertEquals(List.of(agent, action, decision, outcome),
        List.of(row.get("agent"), row.get("action"), row.get("decision"), row.get("outcome")), row::toString);
  }

  private static void assertInvalid(Http.Response response, String field) {
    assertEquals(400, response.status(), response::toString);
    assertEquals("VALIDATION_FAILED", response.errorCode(), response::toString);
    assertEquals(field, response.json().getJsonObject("error").getJsonObject("details").getString("field"),
        response::toString);
  }

  @Test
  void aNulByteInAStringIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.post("/v1/locks/acquire", alice,
        new JsonObject().put("key", "src/nul.py").put("reason", "a\u0000b")));
    assertInvalid(outcome.response(), "reason");
    assertRow(outcome.only(), "alice", "acquire_lock", "deny", "error");
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = 'src/nul.py'"));
  }

  @Test
  void aNulByteInAnObjectKeyDeepInsideIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.post("/v1/tasks", alice, new JsonObject().put("task_type", "build")
        .put("description", "d").put("input", new JsonObject().put("list", List.of(new JsonObject().put("k\u0000", 1))))));
    assertInvalid(outcome.response(), "input");
    assertRow(outcome.only(), "alice", "submit_work", "deny", "error");
  }

  @Test
  void aNulByteInAQueryParameterIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.get("/v1/tasks?task_type=a%00b", alice));
    assertInvalid(outcome.response(), "task_type");
    assertRow(outcome.only(), "alice", "list_tasks", "deny", "error");
  }

  @Test
  void aNulByteInAnUnknownFieldNameIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.send("POST", "/v1/memories", alice,
        "{\"event_type\": \"e\", \"summary\": \"s\", \"x\\u0000y\": 1}"));
    assertEquals(400, outcome.response().status(), outcome.response()::toString);
    assertRow(outcome.only(), "alice", "remember", "deny", "error");
  }

  @Test
  void badToolArgumentsOverMcpAreRefusedAndAudited() {
    String[] accept = {"Accept", "application/json, text/event-stream"};
    Http.Response init = http.send("POST", "/mcp", bob, new JsonObject().put("jsonrpc", "2.0").put("id", 1)
        .put("method", "initialize").put("params", new JsonObject().put("protocolVersion", "2025-06-18")
            .put("capabilities", new JsonObject()).put("clientInfo", new JsonObject().put("name", "t").put("version", "1")))
        .encode(), accept);
    String mcpSession = init.header("Mcp-Session-Id").orElseThrow(() -> new AssertionError(init.toString()));
    Outcome outcome = audited(() -> http.send("POST", "/mcp", bob, new JsonObject().put("jsonrpc", "2.0").put("id", 2)
        .put("method", "tools/call").put("params", new JsonObject().put("name", "acquire_lock")
            .put("arguments", new JsonObject().put("key", "src/mcp.py").put("reason", "x\u0000"))).encode(),
        accept[0], accept[1], "Mcp-Session-Id", mcpSession));
    JsonObject result = outcome.response().json().getJsonObject("result");
    assertEquals(true, result.getBoolean("isError"), outcome.response()::toString);
    assertEquals("VALIDATION_FAILED", result.getJsonObject("structuredContent").getJsonObject("error").getString("code"));
    // Every MCP request also keeps the connection's session alive, which is a heartbeat row of its own.
    List<Map<String, Object>> refusals = outcome.rows().stream().filter(row -> !"heartbeat".equals(row.get("action"))).toList();
    assertEquals(1, refusals.size(), refusals::toString);
    assertRow(refusals.get(0), "bob", "acquire_lock", "deny", "error");
  }

  @Test
  void aDeadlineBeyondWhatTheDatabaseHoldsIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.post("/v1/tasks", alice, new JsonObject().put("task_type", "build")
        .put("description", "d").put("deadline", "+294277-01-01T00:00:00Z")));
    assertInvalid(outcome.response(), "deadline");
    assertRow(outcome.only(), "alice", "submit_work", "deny", "error");
  }

  @Test
  void anAuditSinceBeyondWhatTheDatabaseHoldsIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.get("/v1/audit?since=%2B294277-01-01T00:00:00Z", alice));
    assertInvalid(outcome.response(), "since");
    assertRow(outcome.only(), "alice", "query_audit", "deny", "error");
  }

  @Test
  void aDeniedCallerCannotHideBehindBadInput() {
    Outcome outcome = audited(() -> http.post("/v1/locks/acquire", suspended,
        new JsonObject().put("key", "src/hidden.py").put("reason", "\u0000")));
    assertEquals(400, outcome.response().status(), outcome.response()::toString);
    assertRow(outcome.only(), "mallory", "acquire_lock", "deny", "error");
  }

  @Test
  void anUnknownFieldIsRefusedAndAudited() {
    Outcome outcome = audited(() -> http.post("/v1/locks/acquire", alice,
        new JsonObject().put("key", "src/typo.py").put("ttl", 5)));
    assertInvalid(outcome.response(), "ttl");
    Map<String, Object> row = outcome.only();
    assertRow(row, "alice", "acquire_lock", "deny", "error");
    assertEquals("unknown field ttl", row.get("reason"));
  }

  @Test
  void someoneElsesSessionHeaderIsRefusedAndAudited() {
    String bobs = http.post("/v1/sessions", bob, new JsonObject()).json().getJsonObject("session").getString("id");
    Outcome outcome = audited(() -> http.send("POST", "/v1/locks/acquire", alice,
        new JsonObject().put("key", "src/impersonated.py").encode(), "Coordinator-Session", bobs));
    assertEquals(400, outcome.response().status(), outcome.response()::toString);
    assertRow(outcome.only(), "alice", "acquire_lock", "deny", "denied");
  }

  @Test
  void endingSomeoneElsesSessionIsRefusedAndAudited() {
    String bobs = http.post("/v1/sessions", bob, new JsonObject()).json().getJsonObject("session").getString("id");
    Outcome outcome = audited(() -> http.send("DELETE", "/v1/sessions/" + bobs, alice, null));
    assertEquals(404, outcome.response().status(), outcome.response()::toString);
    assertRow(outcome.only(), "alice", "end_session", "deny", "denied");
    assertEquals("active", service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", bobs));
  }

  @Test
  void cancellingSomeoneElsesTaskIsAuditedAsADenial() {
    String task = http.post("/v1/tasks", bob, new JsonObject().put("task_type", "bobs").put("description", "d"))
        .json().getJsonObject("task").getString("id");
    Outcome outcome = audited(() -> http.post("/v1/tasks/" + task + "/cancel", alice, new JsonObject().put("reason", "mine now")));
    assertEquals(403, outcome.response().status(), outcome.response()::toString);
    Map<String, Object> row = outcome.only();
    assertRow(row, "alice", "cancel_task", "deny", "denied");
    assertEquals("pending", service.database().value("SELECT status FROM tasks WHERE id = ?::uuid", task));
  }
}
