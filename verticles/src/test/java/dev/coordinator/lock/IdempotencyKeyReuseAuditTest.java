package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-2, api.md §4: an Idempotency-Key reused for a different request is refused
 * (VALIDATION_FAILED on Idempotency-Key), changes nothing, and the refusal has its audit row.
 */
class IdempotencyKeyReuseAuditTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
  }

  @Test
  @Tag("HARD-2")
  void aKeyReusedForAnotherRequestIsRefusedAndAudited() {
    Http.Response first = http.send("POST", "/v1/locks/acquire", alice,
        new JsonObject().put("key", "src/first.py").encode(), "Idempotency-Key", "reused-key");
    assertEquals(200, first.status(), first::toString);
    Http.Response reused = http.send("POST", "/v1/locks/acquire", alice,
        new JsonObject().put("key", "src/second.py").encode(), "Idempotency-Key", "reused-key");
    assertEquals(400, reused.status(), reused::toString);
    assertEquals("VALIDATION_FAILED", reused.errorCode());
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = 'src/second.py'"));
    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'alice'"
        + " AND action = 'acquire_lock' AND resource = 'src/second.py' AND outcome = 'error'"
        + " AND result->>'error' = 'VALIDATION_FAILED' AND result->>'field' = 'Idempotency-Key'"),
        "the refused reuse has its audit row");
  }
}
