package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AUD-2 (the sealed chain reveals any change, and rows left unsealed too long) and who may read which entries. */
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

  /** Verifies once every row written so far is sealed. */
  private static JsonObject verify(TestService service) {
    String root = service.agent("root", "operator", 4);
    service.database().awaitAuditSealed();
    rowsBeforeVerify = service.database().count("audit_log");
    return verifyNow(service, root);
  }

  private static JsonObject verifyNow(TestService service, String root) {
    Http.Response response = service.http().get("/v1/audit/verify", root);
    assertEquals(200, response.status(), response::toString);
    return response.json();
  }

  /**
   * Tampers, once the history is sealed, as a superuser who switches the append-only triggers off,
   * which the service role cannot.
   */
  private static JsonObject tampered(Consumer<TestService> tamper) {
    try (TestService service = withHistory()) {
      service.database().awaitAuditSealed();
      service.database().execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
      tamper.accept(service);
      service.database().execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
      return verifyNow(service, service.agent("root", "operator", 4));
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
      assertEquals(0L, result.getLong("unsealed"));
    }
  }

  /**
   * A transaction still running holds sealing back: rows committed after it began stay unsealed
   * (verify counts them, and they are no failure while younger than the bound), and are sealed
   * once it ends.
   */
  @Test
  void rowsHeldBackByARunningTransactionAreCountedAndSealedWhenItEnds() throws Exception {
    try (TestService service = withHistory();
         Connection slow = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      String root = service.agent("root", "operator", 4);
      service.database().awaitAuditSealed();
      slow.setAutoCommit(false);
      try (Statement statement = slow.createStatement()) {
        statement.execute("SELECT pg_current_xact_id()");
      }
      service.http().post("/v1/locks/acquire", service.agent("carol", "codex", 2), new JsonObject().put("key", "src/c.py"));
      long held = idOf(service, "agent = 'carol'");
      service.database().value("SELECT audit_seal(10000)");
      assertEquals(0L, service.database().value("SELECT count(*) FROM audit_seals WHERE audit_id = ?", held),
          "a row committed behind a running transaction was sealed");
      JsonObject during = verifyNow(service, root);
      assertTrue(during.getBoolean("ok"), during::encode);
      assertTrue(during.getLong("unsealed") >= 1, during::encode);
      slow.commit();
      service.database().awaitAuditSealed();
      assertEquals(1L, service.database().value("SELECT count(*) FROM audit_seals WHERE audit_id = ?", held));
    }
  }

  /** A row the sealer never sealed (slipped in behind its position, back-dated past the bound) is named. */
  @Test
  void aRowLeftUnsealedLongerThanSealingMayTakeIsNamed() {
    long[] slipped = new long[1];
    JsonObject result = tampered(service -> {
      service.database().execute("INSERT INTO audit_log (xid, at, agent, action, decision, outcome)"
          + " VALUES ('1', now() - interval '1 day', 'mallory', 'acquire_lock', 'allow', 'ok')");
      slipped[0] = idOf(service, "agent = 'mallory'");
    });
    assertFalse(result.getBoolean("ok"), "AUD-2: a row left unsealed for a day went unnoticed");
    assertEquals(slipped[0], result.getLong("first_bad_id"));
    assertTrue(result.getLong("unsealed") >= 1, result::encode);
  }

  @Test
  void aRewrittenSealIsFound() {
    long[] rewritten = new long[1];
    JsonObject result = tampered(service -> {
      service.database().execute("ALTER TABLE audit_seals DISABLE TRIGGER USER");
      rewritten[0] = (Long) service.database().value("SELECT audit_id FROM audit_seals WHERE seq = 3");
      service.database().execute("UPDATE audit_seals SET hash = sha256(hash) WHERE seq = 3",
          "ALTER TABLE audit_seals ENABLE TRIGGER USER");
    });
    assertFalse(result.getBoolean("ok"), "AUD-2: a rewritten seal went unnoticed");
    assertEquals(rewritten[0], result.getLong("first_bad_id"));
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
    long[] deleted = new long[1];
    JsonObject result = tampered(service -> {
      deleted[0] = idOf(service, "resource = 'src/a2.py' AND action = 'acquire_lock'");
      service.database().execute("DELETE FROM audit_log WHERE id = " + deleted[0]);
    });
    assertFalse(result.getBoolean("ok"), "AUD-2: a deletion went unnoticed");
    assertEquals(deleted[0], result.getLong("first_bad_id"), "the seal names the row that is gone");
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
