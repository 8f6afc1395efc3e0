package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coordinator.bus.JsonLimits;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11 item 5 (HARD-1): a JSON value nested deeper than {@link JsonLimits#MAX_DEPTH} is refused at the
 * door, over REST and MCP, before anything is stored; and a stored value that cannot be encoded still gets
 * an answer (an error), never a hang.
 */
@Tag("HARD-1")
class DeepJsonTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
  }

  /** Arrays in arrays: {@code depth} levels of nesting around one number. */
  private static String arrays(int depth) {
    return "[".repeat(depth) + "1" + "]".repeat(depth);
  }

  private static String objects(int depth) {
    return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
  }

  private static String submit(String input) {
    return "{\"task_type\": \"deep\", \"description\": \"d\", \"input\": " + input + "}";
  }

  /** Rows a refused request must not add: domain rows and allowed audit rows (its refusal row is a deny, HARD-2). */
  private static long storedRows() {
    return (Long) service.database().value("SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM handoffs)"
        + " + (SELECT count(*) FROM memories) + (SELECT count(*) FROM audit_log WHERE decision <> 'deny')");
  }

  private static void assertRefused(Http.Response response, String field) {
    assertEquals(400, response.status(), response::toString);
    JsonObject error = response.json().getJsonObject("error");
    assertEquals("VALIDATION_FAILED", error.getString("code"), response::toString);
    assertEquals(field, error.getJsonObject("details").getString("field"), response::toString);
    assertFalse(response.text().contains("Exception"), response::toString);
  }

  private static Http.Response mcp(String session, String body) {
    return session == null
        ? http.send("POST", "/mcp", alice, body, "Accept", "application/json, text/event-stream")
        : http.send("POST", "/mcp", alice, body, "Accept", "application/json, text/event-stream", "Mcp-Session-Id", session);
  }

  private static String mcpInitialize() {
    Http.Response response = mcp(null, new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1"))).encode());
    assertEquals(200, response.status(), response::toString);
    return response.header("Mcp-Session-Id").orElseThrow();
  }

  private static JsonObject mcpPost(String session, String body) {
    Http.Response response = mcp(session, body);
    assertEquals(200, response.status(), response::toString);
    return response.json();
  }

  private static void assertReadsAnswer() {
    assertEquals(200, http.get("/v1/tasks", alice).status());
    assertEquals(200, http.get("/v1/audit", alice).status());
  }

  @ParameterizedTest(name = "input {0} deep")
  @ValueSource(ints = {JsonLimits.MAX_DEPTH + 1, 40, 999, 5000})
  void aTooDeepInputIsRefusedOverRestAndNothingIsStored(int depth) {
    long before = storedRows();
    assertRefused(http.send("POST", "/v1/tasks", alice, submit(arrays(depth))), "input");
    assertRefused(http.send("POST", "/v1/tasks", alice, submit(objects(depth))), "input");
    assertEquals(before, storedRows(), "a refused submit stored nothing");
    assertReadsAnswer();
  }

  @Test
  void anInputAtTheLimitIsStoredAndReadBack() {
    Http.Response created = http.send("POST", "/v1/tasks", alice, submit(arrays(JsonLimits.MAX_DEPTH)));
    assertEquals(201, created.status(), created::toString);
    String id = created.json().getJsonObject("task").getString("id");
    Http.Response read = http.get("/v1/tasks/" + id, alice);
    assertEquals(200, read.status(), read::toString);
    assertEquals(new JsonArray(arrays(JsonLimits.MAX_DEPTH)), read.json().getJsonObject("task").getJsonArray("input"));
    assertReadsAnswer();
  }

  @Test
  void aTooDeepResultIsRefusedAndTheClaimStays() {
    String id = http.send("POST", "/v1/tasks", alice, "{\"task_type\": \"deep-result\", \"description\": \"d\"}")
        .json().getJsonObject("task").getString("id");
    JsonObject task = http.post("/v1/tasks/claim", alice, new JsonObject().put("task_types", new JsonArray().add("deep-result")))
        .json().getJsonObject("task");
    assertEquals(id, task.getString("id"));
    long before = storedRows();
    for (int depth : new int[] {40, 999}) {
      assertRefused(http.send("POST", "/v1/tasks/" + id + "/complete", alice,
          "{\"claim_token\": \"" + task.getString("claim_token") + "\", \"success\": true, \"result\": " + arrays(depth) + "}"),
          "result");
    }
    assertEquals(before, storedRows());
    assertEquals("claimed", http.get("/v1/tasks/" + id, alice).json().getJsonObject("task").getString("status"));
    assertReadsAnswer();
  }

  @Test
  void memoriesAndHandoffsRefuseDeepValues() {
    long before = storedRows();
    assertRefused(http.send("POST", "/v1/memories", alice,
        "{\"event_type\": \"e\", \"summary\": \"s\", \"details\": " + objects(999) + "}"), "details");
    assertRefused(http.send("POST", "/v1/handoffs", alice,
        "{\"summary\": \"s\", \"decisions\": " + arrays(999) + "}"), "decisions");
    assertRefused(http.send("POST", "/v1/locks/acquire", alice, "{\"key\": \"src/a.py\", \"reason\": " + arrays(40) + "}"),
        "reason");
    assertEquals(before, storedRows());
  }

  @Test
  void aTooDeepMcpToolCallIsRefusedAndNothingIsStored() {
    String session = mcpInitialize();
    long before = storedRows();
    for (int depth : new int[] {JsonLimits.MAX_DEPTH + 1, 40, 999, 5000}) {
      JsonObject answer = mcpPost(session, "{\"jsonrpc\": \"2.0\", \"id\": 9, \"method\": \"tools/call\","
          + " \"params\": {\"name\": \"submit_work\", \"arguments\": {\"task_type\": \"deep\", \"description\": \"d\","
          + " \"input\": " + arrays(depth) + "}}}");
      assertEquals(9, answer.getValue("id"), answer::encode);
      JsonObject error = answer.getJsonObject("result").getJsonObject("structuredContent").getJsonObject("error");
      assertEquals("VALIDATION_FAILED", error.getString("code"), answer::encode);
      assertEquals("input", error.getJsonObject("details").getString("field"), answer::encode);
    }
    assertEquals(before, storedRows(), "a refused tool call stored nothing");
    assertReadsAnswer();
  }

  @Test
  void aStoredValueThatCannotBeEncodedGetsAnErrorNotAHang() {
    // Written behind the service's back (as an older version could have): reads must still answer.
    String id = UUID.randomUUID().toString();
    service.database().execute("INSERT INTO tasks (id, task_type, description, input, priority, status, submitted_by,"
        + " max_attempts) VALUES ('" + id + "', 'legacy', 'd', '" + arrays(999) + "'::jsonb, 5, 'pending', 'alice', 3)");
    Http.Response one = http.get("/v1/tasks/" + id, alice);
    assertEquals(500, one.status(), one::toString);
    assertEquals("INTERNAL", one.errorCode());
    assertEquals(500, http.get("/v1/tasks", alice).status());
    service.database().execute("DELETE FROM tasks WHERE id = '" + id + "'");
    assertReadsAnswer();
  }
}
