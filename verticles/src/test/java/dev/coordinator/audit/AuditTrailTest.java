package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AUD-2 (the chains reveal any change) and who may read which entries. */
class AuditTrailTest {
  private static long rowsBeforeVerify;

  /** A service with some history: alice and bob each take and give back a few locks. */
  private static TestService withHistory() {
    TestService service = TestService.start();
    String alice = service.agent("alice", "claude_code", 2);
    String bob = service.agent("bob", "codex", 2);
    for (int i = 0; i < 5; i++) {
      service.http().post("/v1/locks/acquire", alice, new JsonObject().put("key", "src/a" + i + ".py"));
      service.http().post("/v1/locks/acquire", bob, new JsonObject().put("key", "src/b" + i + ".py"));
      service.http().post("/v1/locks/release", alice, new JsonObject().put("key", "src/a" + i + ".py"));
    }
    return service;
  }

  private static JsonObject verify(TestService service) {
    String root = service.agent("root", "operator", 4);
    rowsBeforeVerify = service.database().count("audit_log");
    Http.Response response = service.http().get("/v1/audit/verify", root);
    assertEquals(200, response.status(), response::toString);
    return response.json();
  }

  /** Tampers as a superuser who switches the append-only triggers off, which the service role cannot. */
  private static JsonObject tampered(Consumer<TestService> tamper) {
    try (TestService service = withHistory()) {
      service.database().execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
      tamper.accept(service);
      service.database().execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
      return verify(service);
    }
  }

  private static long idOf(TestService service, String where) {
    return (Long) service.database().value("SELECT id FROM audit_log WHERE " + where + " ORDER BY id LIMIT 1");
  }

  @Test
  void anUntouchedTrailVerifies() {
    try (TestService service = withHistory()) {
      JsonObject result = verify(service);
      assertTrue(result.getBoolean("ok"), result::encode);
      assertNull(result.getValue("first_bad_id"));
      assertEquals(rowsBeforeVerify, result.getLong("checked"), "every row is checked (the verify's own row comes after)");
    }
  }

  @Test
  void anEditedRowIsFound() {
    long[] edited = new long[1];
    JsonObject result = tampered(service -> {
      edited[0] = idOf(service, "agent = 'bob' AND action = 'acquire_lock'");
      service.database().execute("UPDATE audit_log SET reason = 'nothing to see' WHERE id = " + edited[0]);
    });
    assertFalse(result.getBoolean("ok"), "AUD-2: an edited row went unnoticed");
    assertEquals(edited[0], result.getLong("first_bad_id"));
  }

  @Test
  void anEditedParameterIsFound() {
    long[] edited = new long[1];
    JsonObject result = tampered(service -> {
      edited[0] = idOf(service, "agent = 'alice' AND action = 'release_lock'");
      service.database().execute("UPDATE audit_log SET params = '{\"key\": \"src/elsewhere.py\"}' WHERE id = " + edited[0]);
    });
    assertFalse(result.getBoolean("ok"));
    assertEquals(edited[0], result.getLong("first_bad_id"));
  }

  @Test
  void aRowDeletedFromTheMiddleIsFound() {
    JsonObject result = tampered(service -> {
      long deleted = idOf(service, "resource = 'src/a2.py' AND action = 'acquire_lock'");
      service.database().execute("DELETE FROM audit_log WHERE id = " + deleted);
    });
    assertFalse(result.getBoolean("ok"), "AUD-2: a deletion went unnoticed");
  }

  @Test
  void aRowCutFromTheEndOfAChainIsFound() {
    JsonObject result = tampered(service -> service.database().execute(
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log WHERE resource = 'src/a4.py')"));
    assertFalse(result.getBoolean("ok"), "AUD-2: a cut tail went unnoticed");
  }

  @Test
  void belowAdminTrustAnAgentReadsItsOwnEntriesOnly() {
    try (TestService service = withHistory()) {
      String alice = service.agent("alice", "claude_code", 2);
      Http.Response own = service.http().get("/v1/audit?limit=1000", alice);
      assertEquals(200, own.status(), own::toString);
      JsonArray entries = own.json().getJsonArray("entries");
      assertFalse(entries.isEmpty());
      entries.stream().map(JsonObject.class::cast).forEach(entry -> assertEquals("alice", entry.getString("agent")));

      Http.Response others = service.http().get("/v1/audit?agent=bob", alice);
      assertEquals(403, others.status(), others::toString);
      assertEquals("POLICY_DENIED", others.errorCode());

      Http.Response verify = service.http().get("/v1/audit/verify", alice);
      assertEquals(403, verify.status());
    }
  }

  @Test
  void adminTrustReadsEveryoneAndFilters() {
    try (TestService service = withHistory()) {
      String root = service.agent("root", "operator", 3);
      JsonArray bobs = service.http().get("/v1/audit?agent=bob&action=acquire_lock", root).json().getJsonArray("entries");
      assertEquals(5, bobs.size());
      JsonObject newest = bobs.getJsonObject(0);
      assertEquals("src/b4.py", newest.getString("resource"), "newest first");
      for (String field : new String[] {"id", "at", "agent", "agent_type", "session_id", "action", "resource", "decision",
          "reason", "engine", "outcome", "params", "result"}) {
        assertTrue(newest.containsKey(field), "AuditEntry field " + field);
      }
      assertEquals(2, service.http().get("/v1/audit?limit=2", root).json().getJsonArray("entries").size());
      String future = "2999-01-01T00:00:00Z";
      assertTrue(service.http().get("/v1/audit?since=" + future, root).json().getJsonArray("entries").isEmpty());
      JsonArray everyone = service.http().get("/v1/audit?limit=1000", root).json().getJsonArray("entries");
      assertTrue(everyone.stream().map(JsonObject.class::cast).anyMatch(e -> e.getString("agent").equals("alice")));
      assertTrue(everyone.stream().map(JsonObject.class::cast).anyMatch(e -> e.getString("agent").equals("bob")));
    }
  }

  @ParameterizedTest(name = "limit={0} is refused")
  @ValueSource(strings = {"0", "1001", "x", "-1"})
  void badLimitsAreRefused(String limit) {
    try (TestService service = TestService.start()) {
      String root = service.agent("root", "operator", 4);
      Http.Response response = service.http().get("/v1/audit?limit=" + limit, root);
      assertEquals(400, response.status(), response::toString);
      assertEquals("limit", response.json().getJsonObject("error").getJsonObject("details").getString("field"));
    }
  }
}
