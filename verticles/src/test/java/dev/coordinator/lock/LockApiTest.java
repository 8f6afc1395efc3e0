package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lock endpoints end to end over HTTP against a deployed service (LOCK-1, LOCK-2, LOCK-3). */
class LockApiTest {
  private static TestService service;
  private static Http http;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void start() {
    service = TestService.start();
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  private static JsonObject lock(Http.Response response) {
    assertEquals(200, response.status(), response::toString);
    return response.json().getJsonObject("lock");
  }

  @Test
  void acquireRefreshReleaseKeepsOneHolderAndOneToken() {
    JsonObject first = lock(http.post("/v1/locks/acquire", alice, new JsonObject().put("key", "src/refresh.py").put("reason", "edit")));
    assertEquals("alice", first.getString("holder"));
    assertEquals("claude_code", first.getString("agent_type"));
    long token = first.getLong("fencing_token");

    Http.Response refreshed = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", "src/refresh.py").put("ttl_seconds", 600));
    assertEquals("refreshed", refreshed.json().getString("action"));
    assertEquals(token, lock(refreshed).getLong("fencing_token"), "LOCK-2: a refresh by the holder keeps the token");
    assertEquals("edit", lock(refreshed).getString("reason"), "a refresh without a reason keeps the reason");

    Http.Response contested = http.post("/v1/locks/acquire", bob, new JsonObject().put("key", "src/refresh.py"));
    assertEquals(409, contested.status());
    assertEquals("LOCK_HELD", contested.errorCode());
    assertEquals("alice", contested.json().getJsonObject("error").getJsonObject("details").getString("holder"));

    Http.Response notHolder = http.post("/v1/locks/release", bob, new JsonObject().put("key", "src/refresh.py"));
    assertEquals("NOT_LOCK_HOLDER", notHolder.errorCode(), "LOCK-3: only the holder releases");

    assertEquals(200, http.post("/v1/locks/release", alice, new JsonObject().put("key", "src/refresh.py").put("fencing_token", token)).status());
    assertTrue(http.get("/v1/locks?key=src/refresh.py", alice).json().getJsonArray("locks").isEmpty());

    JsonObject next = lock(http.post("/v1/locks/acquire", bob, new JsonObject().put("key", "src/refresh.py")));
    assertTrue(next.getLong("fencing_token") > token, "LOCK-2: a new holder gets a higher token");
  }
}
