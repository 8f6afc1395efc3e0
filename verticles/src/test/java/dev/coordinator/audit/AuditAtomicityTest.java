package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** AUD-1: a lock change and its audit row commit together or not at all. */
class AuditAtomicityTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
  }


  private static long auditRows(String action, String key, String outcome) {
    return (Long) service.database().value(
        "SELECT count(*) FROM audit_log WHERE action = ? AND resource = ? AND outcome = ?", action, key, outcome);
  }

  @Test
  void everySuccessfulMutationHasExactlyOneAuditRowWithItsDecision() {
    String key = "src/audited.py";
    long token = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key)).json()
        .getJsonObject("lock").getLong("fencing_token");
    http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key));
    http.post("/v1/locks/renew", alice, new JsonObject().put("key", key).put("fencing_token", token));
    http.post("/v1/locks/release", alice, new JsonObject().put("key", key));
    assertEquals(2L, auditRows("acquire_lock", key, "ok"));
    assertEquals(1L, auditRows("renew_lock", key, "ok"));
    assertEquals(1L, auditRows("release_lock", key, "ok"));
    assertEquals(4L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE resource = ? AND agent = 'alice' AND decision = 'allow' AND engine = 'cedar'"
            + " AND reason IS NOT NULL AND request_id IS NOT NULL", key), "ENF-5: each row carries the decision that allowed it");
  }

  @Test
  void whenTheAuditRowCannotBeWrittenTheLockIsNotTaken() {
    String key = "src/doomed.py";
    service.database().execute("ALTER TABLE audit_log ADD CONSTRAINT t_reject_doomed CHECK (resource <> 'src/doomed.py') NOT VALID");
    try {
      Http.Response response = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key));
      assertEquals(500, response.status(), response::toString);
      assertEquals("INTERNAL", response.errorCode());
      assertTrue(response.json().getJsonObject("error").getString("message").contains("correlation id"));
      assertFalse(response.text().contains("Exception") || response.text().contains("\tat "), "no stack trace: " + response);
      assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = ?", key),
          "AUD-1: the lock change was kept without its audit row");
    } finally {
      service.database().execute("ALTER TABLE audit_log DROP CONSTRAINT t_reject_doomed");
    }
    assertEquals(200, http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key)).status());
    assertEquals(1L, auditRows("acquire_lock", key, "ok"));
  }

  @Test
  void whenTheLockChangeFailsNoSuccessIsAudited() {
    String key = "src/unlockable.py";
    service.database().execute("ALTER TABLE locks ADD CONSTRAINT t_reject_unlockable CHECK (key <> 'src/unlockable.py') NOT VALID");
    try {
      Http.Response response = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key));
      assertEquals(500, response.status(), response::toString);
      assertEquals(0L, service.database().value("SELECT count(*) FROM audit_log WHERE resource = ?", key),
          "AUD-1: an audit row was kept for a change that did not happen");
    } finally {
      service.database().execute("ALTER TABLE locks DROP CONSTRAINT t_reject_unlockable");
    }
  }

  @Test
  void aRefusedMutationIsAuditedOnceAsAnError() {
    String key = "src/contested.py";
    String bob = service.agent("bob", "codex", 2);
    http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key));
    Http.Response refused = http.post("/v1/locks/release", bob, new JsonObject().put("key", key));
    assertEquals("NOT_LOCK_HOLDER", refused.errorCode());
    assertEquals(1L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = 'bob' AND action = 'release_lock' AND outcome = 'error'"
            + " AND result->>'error' = 'NOT_LOCK_HOLDER'"));
    assertEquals("alice", service.database().value("SELECT holder FROM locks WHERE key = ?", key));
  }
}
