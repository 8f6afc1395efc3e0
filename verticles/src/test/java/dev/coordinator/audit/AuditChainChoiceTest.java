package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * AUD-2 under attack, and idempotency's failure paths: a caller cannot choose where its rows go
 * in the sealed chain, and a unique violation
 * that is not the idempotency key's is a clear error, not a crash.
 */
@Tag("AUD-2")
class AuditChainChoiceTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
  }

  /**
   * The sealing order is the server's: rows go into the chain by their transaction id, never by
   * anything the client sends, so many requests with one chosen X-Request-Id are sealed in the
   * order their transactions began, each once, and the trail verifies.
   */
  @Test
  void aClientChosenRequestIdDoesNotChooseTheSealingOrder() {
    long before = ((Number) service.database().value("SELECT coalesce(max(id), 0) FROM audit_log")).longValue();
    for (int i = 0; i < 20; i++) {
      Http.Response response = http.send("POST", "/v1/locks/acquire", alice,
          new JsonObject().put("key", "src/chain" + i + ".py").encode(), "X-Request-Id", "everyone-on-one-chain");
      assertEquals(200, response.status(), response::toString);
    }
    service.database().awaitAuditSealed();
    List<Object> sealed = service.database().query("SELECT s.audit_id FROM audit_seals s JOIN audit_log a ON a.id = s.audit_id"
        + " WHERE a.id > ? AND a.request_id = 'everyone-on-one-chain' ORDER BY s.seq", before).stream()
        .map(row -> row.get("audit_id")).toList();
    List<Object> byTransaction = service.database().query("SELECT id FROM audit_log"
        + " WHERE id > ? AND request_id = 'everyone-on-one-chain' ORDER BY xid, id", before).stream()
        .map(row -> row.get("id")).toList();
    assertEquals(20, sealed.size());
    assertEquals(byTransaction, sealed);
    JsonObject verified = http.get("/v1/audit/verify", service.agent("root", "operator", 4)).json();
    assertTrue(verified.getBoolean("ok"), verified::encode);
  }

  @Test
  void aUniqueViolationThatIsNotTheKeysIsAClearError() {
    // A constraint the service does not expect stands for any unique violation but the key's.
    service.database().execute("CREATE UNIQUE INDEX one_handoff_only ON handoffs ((true))");
    JsonObject handoff = new JsonObject().put("summary", "s");
    assertEquals(201, http.send("POST", "/v1/handoffs", alice, handoff.encode(), "Idempotency-Key", "h-1").status());
    Http.Response second = http.send("POST", "/v1/handoffs", alice, handoff.encode(), "Idempotency-Key", "h-2");
    assertEquals(503, second.status(), second::toString);
    assertEquals("UNAVAILABLE", second.errorCode());
    assertTrue(second.json().getJsonObject("error").getString("message").contains("nothing was changed"), second::toString);
    assertFalse(second.text().contains("Exception"), second::toString);
    assertEquals(1L, service.database().value("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'h-%'"));
  }
}
