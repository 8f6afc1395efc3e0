package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.Scrape;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input gets the documented error and changes nothing but the audit trail (api.md §2, §3, §5; HARD-2). */
class BadInputTest {
  private static final String ALICE = "alice-key";
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String aliceKey;
  private static String bobKey;

  @BeforeAll
  static void agents() {
    http = service.http();
    aliceKey = service.agent("alice", "claude_code", 2);
    bobKey = service.agent("bob", "codex", 2);
    assertEquals(200, http.post("/v1/locks/acquire", aliceKey, new JsonObject().put("key", "src/held.py")).status());
  }


  /** One bad request: what is sent, and the status, code and field that must come back. */
  private record Bad(String name, String method, String path, String key, String body, List<String> headers,
                     int status, String code, String field) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Bad post(String name, String path, String body, int status, String code, String field) {
    return new Bad(name, "POST", path, ALICE, body, List.of(), status, code, field);
  }

  private static Bad acquire(String name, String body, String field) {
    return post(name, "/v1/locks/acquire", body, 400, "VALIDATION_FAILED", field);
  }

  private static Bad keyed(String key) {
    return acquire("key " + key.replace("\u0007", "\\a"), new JsonObject().put("key", key).encode(), "key");
  }

  static Stream<Bad> badRequests() {
    return Stream.of(
        acquire("malformed JSON", "{\"key\": ", "body"),
        acquire("JSON array body", "[\"src/a.py\"]", "body"),
        acquire("JSON string body", "\"src/a.py\"", "body"),
        acquire("unknown field", "{\"key\": \"src/a.py\", \"ttl\": 5}", "ttl"),
        acquire("missing key", "{}", "key"),
        acquire("key not a string", "{\"key\": 7}", "key"),
        keyed("/etc/passwd"),
        keyed("~/notes.txt"),
        keyed("../outside.py"),
        keyed("src/../../outside.py"),
        keyed("src//a.py"),
        keyed("./src/a.py"),
        keyed("src/"),
        keyed("src\\a.py"),
        keyed("src/a\u0007.py"),
        keyed("src/a\n.py"),
        keyed("foo:bar"),
        keyed("db:"),
        keyed("db:   "),
        keyed(""),
        keyed("a".repeat(513)),
        // Issue 11 item 17 (LOCK-1): what cannot be a path is refused, not repaired into another key.
        keyed("src/\u202egnp.exe"),
        keyed("src/a\u200e.py"),
        keyed("src/a\u2066.py"),
        keyed("src/a\ufeff.py"),
        keyed(" src/a.py"),
        keyed("src/a.py "),
        keyed("db: users"),
        acquire("lone high surrogate", "{\"key\": \"src/a\\ud800.py\"}", "key"),
        acquire("lone low surrogate", "{\"key\": \"src/a\\udc00.py\"}", "key"),
        acquire("reversed surrogate pair", "{\"key\": \"src/a\\ude00\\ud83d.py\"}", "key"),
        // Issue 11 item 18: a name given twice is refused, wherever it is.
        acquire("duplicate field", "{\"key\": \"src/a.py\", \"key\": \"src/b.py\"}", "key"),
        post("duplicate field inside input", "/v1/tasks",
            "{\"task_type\": \"b\", \"description\": \"d\", \"input\": {\"a\": 1, \"a\": 2}}", 400, "VALIDATION_FAILED",
            "input"),
        new Bad("text/plain body", "POST", "/v1/locks/acquire", ALICE, "{\"key\": \"src/a.py\"}",
            List.of("Content-Type", "text/plain"), 400, "VALIDATION_FAILED", "Content-Type"),
        new Bad("form body", "POST", "/v1/tasks", ALICE, "{\"task_type\": \"b\", \"description\": \"d\"}",
            List.of("Content-Type", "application/x-www-form-urlencoded"), 400, "VALIDATION_FAILED", "Content-Type"),
        new Bad("JSON in another charset", "POST", "/v1/locks/acquire", ALICE, "{\"key\": \"src/a.py\"}",
            List.of("Content-Type", "application/json; charset=iso-8859-1"), 400, "VALIDATION_FAILED", "Content-Type"),
        post("deadline in 1970", "/v1/tasks",
            "{\"task_type\": \"b\", \"description\": \"d\", \"deadline\": \"1970-01-01T00:00:00Z\"}", 400,
            "VALIDATION_FAILED", "deadline"),
        post("deadline a minute ago", "/v1/tasks",
            "{\"task_type\": \"b\", \"description\": \"d\", \"deadline\": \"" + java.time.Instant.now().minusSeconds(60)
                + "\"}", 400, "VALIDATION_FAILED", "deadline"),
        // Issue 11 item 18, HARD-1: without a valid key the body is never read (no 413, no 400 about it).
        new Bad("no key and a body over the limit", "POST", "/v1/locks/acquire", null,
            "{\"key\": \"src/a.py\", \"reason\": \"" + "x".repeat(1_100_000) + "\"}", List.of(), 401, "UNAUTHENTICATED", null),
        new Bad("no key and malformed JSON", "POST", "/v1/locks/acquire", null, "{\"key\": ", List.of(), 401,
            "UNAUTHENTICATED", null),
        new Bad("MCP: no key and a body over the limit", "POST", "/mcp", null, "{\"x\": \"" + "x".repeat(1_100_000) + "\"}",
            List.of("Accept", "application/json, text/event-stream"), 401, "UNAUTHENTICATED", null),
        acquire("ttl 0", "{\"key\": \"src/a.py\", \"ttl_seconds\": 0}", "ttl_seconds"),
        acquire("ttl above 8 h", "{\"key\": \"src/a.py\", \"ttl_seconds\": 28801}", "ttl_seconds"),
        acquire("ttl as string", "{\"key\": \"src/a.py\", \"ttl_seconds\": \"10\"}", "ttl_seconds"),
        acquire("ttl fractional", "{\"key\": \"src/a.py\", \"ttl_seconds\": 1.5}", "ttl_seconds"),
        acquire("wait_ms negative", "{\"key\": \"src/a.py\", \"wait_ms\": -1}", "wait_ms"),
        acquire("wait_ms above 60 s", "{\"key\": \"src/a.py\", \"wait_ms\": 60001}", "wait_ms"),
        acquire("reason too long", new JsonObject().put("key", "src/a.py").put("reason", "r".repeat(1001)).encode(), "reason"),
        post("fencing token 0", "/v1/locks/release", "{\"key\": \"src/held.py\", \"fencing_token\": 0}", 400,
            "VALIDATION_FAILED", "fencing_token"),
        post("fencing token as string", "/v1/locks/validate", "{\"key\": \"src/held.py\", \"fencing_token\": \"x\"}", 400,
            "VALIDATION_FAILED", "fencing_token"),
        post("renew without token", "/v1/locks/renew", "{\"key\": \"src/held.py\"}", 400, "VALIDATION_FAILED",
            "fencing_token"),
        post("body over the limit", "/v1/locks/acquire",
            "{\"key\": \"src/a.py\", \"reason\": \"" + "x".repeat(1_100_000) + "\"}", 413, "PAYLOAD_TOO_LARGE", null),
        post("task without description", "/v1/tasks", "{\"task_type\": \"build\"}", 400, "VALIDATION_FAILED", "description"),
        post("task type with spaces", "/v1/tasks", "{\"task_type\": \"a b\", \"description\": \"d\"}", 400,
            "VALIDATION_FAILED", "task_type"),
        post("priority 0", "/v1/tasks", "{\"task_type\": \"b\", \"description\": \"d\", \"priority\": 0}", 400,
            "VALIDATION_FAILED", "priority"),
        post("dependency not a uuid", "/v1/tasks", "{\"task_type\": \"b\", \"description\": \"d\", \"depends_on\": [\"x\"]}",
            400, "VALIDATION_FAILED", "depends_on"),
        post("deadline not a time", "/v1/tasks", "{\"task_type\": \"b\", \"description\": \"d\", \"deadline\": \"soon\"}",
            400, "VALIDATION_FAILED", "deadline"),
        post("lease below 10 s", "/v1/tasks/claim", "{\"lease_seconds\": 9}", 400, "VALIDATION_FAILED", "lease_seconds"),
        post("claim wait above 60 s", "/v1/tasks/claim", "{\"wait_ms\": 60001}", 400, "VALIDATION_FAILED", "wait_ms"),
        post("complete without success", "/v1/tasks/00000000-0000-4000-8000-000000000000/complete",
            "{\"claim_token\": \"00000000-0000-4000-8000-000000000000\"}", 400, "VALIDATION_FAILED", "success"),
        post("task id not a uuid", "/v1/tasks/42/cancel", "{\"reason\": \"r\"}", 400, "VALIDATION_FAILED", "task"),
        post("heartbeat with an unknown field", "/v1/sessions/00000000-0000-4000-8000-000000000000/heartbeat",
            "{\"status\": \"alive\"}", 400, "VALIDATION_FAILED", "status"),
        post("handoff list of numbers", "/v1/handoffs", "{\"summary\": \"s\", \"decisions\": [1]}", 400,
            "VALIDATION_FAILED", "decisions"),
        post("memory tags not a list", "/v1/memories", "{\"event_type\": \"e\", \"summary\": \"s\", \"tags\": \"a\"}", 400,
            "VALIDATION_FAILED", "tags"),
        new Bad("GET on a POST endpoint", "GET", "/v1/locks/acquire", ALICE, null, List.of(), 405, "METHOD_NOT_ALLOWED", null),
        new Bad("DELETE on the lock list", "DELETE", "/v1/locks", ALICE, null, List.of(), 405, "METHOD_NOT_ALLOWED", null),
        new Bad("unknown path", "GET", "/v1/nothing-here", ALICE, null, List.of(), 404, "NOT_FOUND", null),
        // ENF-2: no identity but a key's, whatever else the request says.
        new Bad("no key", "GET", "/v1/locks", null, null, List.of(), 401, "UNAUTHENTICATED", null),
        new Bad("basic auth", "GET", "/v1/locks", null, null, List.of("Authorization", "Basic YWxpY2U6c2VjcmV0"), 401,
            "UNAUTHENTICATED", null),
        new Bad("empty bearer", "GET", "/v1/locks", null, null, List.of("Authorization", "Bearer "), 401,
            "UNAUTHENTICATED", null),
        new Bad("session not a uuid", "POST", "/v1/locks/acquire", ALICE, "{\"key\": \"src/a.py\"}",
            List.of("Coordinator-Session", "my-session"), 400, "VALIDATION_FAILED", "Coordinator-Session"),
        new Bad("idempotency key too long", "POST", "/v1/locks/acquire", ALICE, "{\"key\": \"src/a.py\"}",
            List.of("Idempotency-Key", "k".repeat(129)), 400, "VALIDATION_FAILED", "Idempotency-Key"),
        new Bad("unknown query parameter", "GET", "/v1/locks?keys=src/a.py", ALICE, null, List.of(), 400,
            "VALIDATION_FAILED", "keys"),
        new Bad("bad key in query", "GET", "/v1/locks?key=../x", ALICE, null, List.of(), 400, "VALIDATION_FAILED", "key"),
        new Bad("foreign Host", "GET", "/v1/locks", ALICE, null, List.of("Host", "attacker.example:8080"), 403,
            "FOREIGN_ORIGIN", null),
        new Bad("foreign Origin", "POST", "/v1/locks/acquire", ALICE, "{\"key\": \"src/a.py\"}",
            List.of("Origin", "https://attacker.example"), 403, "FOREIGN_ORIGIN", null),
        new Bad("null Origin", "POST", "/v1/locks/acquire", ALICE, "{\"key\": \"src/a.py\"}",
            List.of("Origin", "null"), 403, "FOREIGN_ORIGIN", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void isRefusedWithTheDocumentedErrorAndChangesNothing(Bad bad) {
    List<Map<String, Object>> locks = service.database().query("SELECT * FROM locks ORDER BY key");
    long rows = otherRows();
    long auditRows = service.database().count("audit_log");
    String key = ALICE.equals(bad.key()) ? aliceKey : bad.key();

    Http.Response response = http.send(bad.method(), bad.path(), key, bad.body(), bad.headers().toArray(String[]::new));

    assertEquals(bad.status(), response.status(), response::toString);
    JsonObject error = response.json().getJsonObject("error");
    assertNotNull(error, "the error envelope: " + response);
    assertEquals(bad.code(), error.getString("code"));
    assertFalse(error.getString("message").isBlank());
    assertNotNull(error.getJsonObject("details"));
    if (bad.field() != null) {
      assertEquals(bad.field(), error.getJsonObject("details").getString("field"), response::toString);
    }
    assertFalse(response.text().contains("Exception"), response::toString);
    if (bad.status() == 401) {
      assertTrue(response.header("WWW-Authenticate").orElse("").startsWith("Bearer"), "401 carries WWW-Authenticate");
    }
    assertEquals(locks, service.database().query("SELECT * FROM locks ORDER BY key"), "a refused request changed a lock");
    // HARD-2: bad input from an authenticated caller is a refusal with its one audit row; what is
    // refused before the caller is known (or before a route is found) leaves none.
    long refusals = bad.status() == 400 ? 1 : 0;
    assertEquals(auditRows + refusals, service.database().count("audit_log"), "one audit row per refusal of a known caller");
    assertEquals(rows, otherRows(), "a refused request stored nothing");
  }

  private static long otherRows() {
    return (Long) service.database().value("SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM sessions)"
        + " + (SELECT count(*) FROM handoffs) + (SELECT count(*) FROM memories)");
  }

  /** Issue 11 item 17 (LOCK-1): one file is one lock however its name is spelled; the lock carries the NFC form. */
  @Test
  @Tag("LOCK-1")
  void nfcAndNfdSpellingsAreOneLock() {
    String nfd = "src/cafe\u0301.py";
    String nfc = "src/caf\u00e9.py";
    Http.Response acquired = http.post("/v1/locks/acquire", aliceKey, new JsonObject().put("key", nfd));
    assertEquals(200, acquired.status(), acquired::toString);
    assertEquals(nfc, acquired.json().getJsonObject("lock").getString("key"));
    Http.Response contested = http.post("/v1/locks/acquire", bobKey, new JsonObject().put("key", nfc));
    assertEquals(409, contested.status(), contested::toString);
    assertEquals("alice", contested.json().getJsonObject("error").getJsonObject("details").getString("holder"));
    Http.Response listed = http.get("/v1/locks?key=" + URLEncoder.encode(nfd, StandardCharsets.UTF_8), bobKey);
    assertEquals(1, listed.json().getJsonArray("locks").size(), listed::toString);
    assertEquals(200, http.post("/v1/locks/release", aliceKey, new JsonObject().put("key", nfc)).status());
    assertEquals(0, http.get("/v1/locks?key=" + URLEncoder.encode(nfd, StandardCharsets.UTF_8), bobKey).json()
        .getJsonArray("locks").size(), "released under the other spelling");
  }

  @Test
  void theOwnOriginAndNoOriginAreFine() {
    int port = service.port();
    for (String origin : List.of("http://localhost:" + port, "http://127.0.0.1:" + port)) {
      Http.Response response = http.send("GET", "/v1/locks", aliceKey, null, "Origin", origin);
      assertEquals(200, response.status(), origin + ": " + response);
    }
    assertEquals(200, http.get("/v1/locks", aliceKey).status());
  }

  @Test
  void healthNeedsNoKey() {
    Http.Response health = http.get("/health", null);
    assertEquals(200, health.status());
    assertEquals(new JsonObject().put("status", "ok").put("db", "up").put("node", service.service().node().id()), health.json());
  }

  @Test
  void metricsNeedNoKeyOnThisMachine() {
    assertEquals(200, http.get("/v1/locks", aliceKey).status());
    Http.Response metrics = http.get("/metrics", null);
    assertEquals(200, metrics.status(), metrics::toString);
    assertTrue(metrics.header("Content-Type").orElse("").startsWith("text/plain"));
    Scrape scrape = Scrape.parse(metrics.text());
    assertTrue(scrape.sum("vertx_http_server_requests_total",
        sample -> sample.labels().getOrDefault("route", "").endsWith("/v1/locks") && "200".equals(sample.labels().get("code")))
        >= 1, metrics::text);
    assertTrue(scrape.value("coordinator_policy_decisions_total", Map.of("decision", "allow")) >= 1, metrics::text);
    assertEquals(0, scrape.value("coordinator_mcp_sessions"), 0.0, metrics::text);
  }

  @Test
  void everyResponseCarriesARequestId() {
    Http.Response generated = http.get("/v1/locks", aliceKey);
    assertTrue(generated.header("X-Request-Id").isPresent());
    Http.Response echoed = http.send("GET", "/v1/locks", aliceKey, null, "X-Request-Id", "trace-42");
    assertEquals("trace-42", echoed.header("X-Request-Id").orElseThrow());
  }
}
