package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-3: stored Idempotency-Key outcomes are kept for the retention (default 24 h), then
 * pruned by a periodic sweep; a repeat after that acts anew, one within it still replays.
 */
@Tag("HARD-3")
class IdempotencyRetentionTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");

  private static Http.Response submit(String key, String idempotencyKey) {
    return service.http().send("POST", "/v1/tasks", key, new JsonObject().put("task_type", "retention")
        .put("description", "kept for a while").encode(), "Idempotency-Key", idempotencyKey);
  }

  private static long stored(String agent, String idempotencyKey) {
    return ((Number) service.database().value("SELECT count(*) FROM idempotency_keys WHERE agent = ? AND key = ?",
        agent, idempotencyKey)).longValue();
  }

  private static void age(String agent, String idempotencyKey, int hours) {
    service.database().execute("UPDATE idempotency_keys SET created_at = now() - make_interval(hours => " + hours
        + ") WHERE agent = '" + agent + "' AND key = '" + idempotencyKey + "'");
  }

  @Test
  void outcomesOlderThanTheRetentionArePrunedAndActAnew() {
    String key = service.agent("retainer", "claude_code", 2);
    String expired = submit(key, "old-submit").json().getJsonObject("task").getString("id");
    String kept = submit(key, "recent-submit").json().getJsonObject("task").getString("id");
    age("retainer", "old-submit", 25);
    age("retainer", "recent-submit", 23);

    Await.until("the outcome older than 24 h is pruned", () -> stored("retainer", "old-submit") == 0);
    assertEquals(1, stored("retainer", "recent-submit"), "an outcome within the retention stays");

    assertEquals(kept, submit(key, "recent-submit").json().getJsonObject("task").getString("id"),
        "within the retention a repeat replays the first outcome");
    Http.Response anew = submit(key, "old-submit");
    assertEquals(201, anew.status(), anew::toString);
    assertNotEquals(expired, anew.json().getJsonObject("task").getString("id"),
        "after the retention the same key acts anew (documented)");
  }
}
