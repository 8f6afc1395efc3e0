package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lock endpoints end to end over HTTP against a deployed service (LOCK-1, LOCK-2, LOCK-3). */
class LockApiTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
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

  private static JsonObject acquire(String agentKey, String key, int ttlSeconds) {
    return lock(http.post("/v1/locks/acquire", agentKey, new JsonObject().put("key", key).put("ttl_seconds", ttlSeconds)));
  }

  private static String errorOf(Http.Response response) {
    assertEquals(409, response.status(), response::toString);
    return response.errorCode();
  }

  @Test
  void renewExtendsTheLeaseAndKeepsTheToken() {
    JsonObject taken = acquire(alice, "src/renew.py", 60);
    long token = taken.getLong("fencing_token");
    JsonObject renewed = lock(http.post("/v1/locks/renew", alice,
        new JsonObject().put("key", "src/renew.py").put("fencing_token", token).put("ttl_seconds", 3600)));
    assertEquals(token, renewed.getLong("fencing_token"));
    assertTrue(Instant.parse(renewed.getString("expires_at")).isAfter(Instant.parse(taken.getString("expires_at"))));
    assertEquals(taken.getString("acquired_at"), renewed.getString("acquired_at"));

    assertEquals("STALE_FENCING_TOKEN", errorOf(http.post("/v1/locks/renew", alice,
        new JsonObject().put("key", "src/renew.py").put("fencing_token", token + 1000))), "LOCK-2: a wrong token renews nothing");
    assertEquals("NOT_LOCK_HOLDER", errorOf(http.post("/v1/locks/renew", bob,
        new JsonObject().put("key", "src/renew.py").put("fencing_token", token))), "LOCK-3: only the holder renews");
    assertEquals("NOT_LOCK_HOLDER", errorOf(http.post("/v1/locks/renew", alice,
        new JsonObject().put("key", "src/never-taken.py").put("fencing_token", token))));
    assertEquals(renewed.getString("expires_at"),
        http.get("/v1/locks?key=src/renew.py", bob).json().getJsonArray("locks").getJsonObject(0).getString("expires_at"),
        "refused renewals changed nothing");
  }

  @Test
  void validateSaysWhetherATokenIsCurrent() {
    long token = acquire(alice, "src/validate.py", 60).getLong("fencing_token");
    JsonObject valid = http.post("/v1/locks/validate", bob, new JsonObject().put("key", "src/validate.py").put("fencing_token", token)).json();
    assertEquals(new JsonObject().put("valid", true).put("current_token", token), valid);
    JsonObject old = http.post("/v1/locks/validate", bob, new JsonObject().put("key", "src/validate.py").put("fencing_token", token - 1)).json();
    assertEquals(new JsonObject().put("valid", false).put("current_token", token), old);
    http.post("/v1/locks/release", alice, new JsonObject().put("key", "src/validate.py"));
    JsonObject free = http.post("/v1/locks/validate", bob, new JsonObject().put("key", "src/validate.py").put("fencing_token", token)).json();
    assertEquals(false, free.getBoolean("valid"));
    assertTrue(free.containsKey("current_token") && free.getValue("current_token") == null, free::encode);
  }

  /** Waits until the lease of {@code key} has run out by the database's clock, the one the service judges by. */
  private static void awaitExpiry(String key) {
    Await.until("the lock on " + key + " expired", () -> Boolean.TRUE.equals(
        service.database().value("SELECT expires_at <= now() FROM locks WHERE key = ?", key)));
  }

  @Test
  void anExpiredLockIsTakenOverWithAHigherTokenAndTheOldHolderIsLockedOut() {
    long old = acquire(alice, "src/expiring.py", 60).getLong("fencing_token");
    assertEquals("LOCK_HELD", errorOf(http.post("/v1/locks/acquire", bob, new JsonObject().put("key", "src/expiring.py"))));
    // Shortened only now, so bob's refusal above cannot race the lease.
    assertEquals(200, http.post("/v1/locks/renew", alice, new JsonObject().put("key", "src/expiring.py")
        .put("fencing_token", old).put("ttl_seconds", 1)).status());
    awaitExpiry("src/expiring.py");
    assertTrue(http.get("/v1/locks?key=src/expiring.py", bob).json().getJsonArray("locks").isEmpty(),
        "an expired lock is not listed as live");

    JsonObject taken = lock(http.post("/v1/locks/acquire", bob, new JsonObject().put("key", "src/expiring.py")));
    assertEquals("bob", taken.getString("holder"));
    assertTrue(taken.getLong("fencing_token") > old, "LOCK-2: the takeover has a higher token");

    assertEquals("NOT_LOCK_HOLDER", errorOf(http.post("/v1/locks/release", alice,
        new JsonObject().put("key", "src/expiring.py").put("fencing_token", old))), "LOCK-3: the old holder cannot release");
    assertEquals("NOT_LOCK_HOLDER", errorOf(http.post("/v1/locks/renew", alice,
        new JsonObject().put("key", "src/expiring.py").put("fencing_token", old))), "LOCK-3: nor renew");
    assertEquals(false, http.post("/v1/locks/validate", alice,
        new JsonObject().put("key", "src/expiring.py").put("fencing_token", old)).json().getBoolean("valid"));
    assertEquals("bob", service.database().value("SELECT holder FROM locks WHERE key = 'src/expiring.py'"));
  }

  @Test
  void theHolderReacquiringAnExpiredLockGetsANewToken() {
    long old = acquire(alice, "src/lapsed.py", 1).getLong("fencing_token");
    awaitExpiry("src/lapsed.py");
    Http.Response again = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", "src/lapsed.py"));
    assertEquals("acquired", again.json().getString("action"));
    assertTrue(lock(again).getLong("fencing_token") > old, "a lapsed lock is a new lock, whoever takes it");
  }

  @Test
  void aStaleTokenReleasesNothing() {
    long token = acquire(alice, "src/stale.py", 60).getLong("fencing_token");
    assertEquals("STALE_FENCING_TOKEN", errorOf(http.post("/v1/locks/release", alice,
        new JsonObject().put("key", "src/stale.py").put("fencing_token", token - 1))));
    assertEquals(token, service.database().value("SELECT fencing_token FROM locks WHERE key = 'src/stale.py'"));
  }

  @Test
  void checkListsTheNamedLiveLocksOrAllOfThemSortedByKey() {
    acquire(alice, "api:zeta", 60);
    acquire(bob, "db:schema/alpha", 60);
    JsonArray named = http.get("/v1/locks?key=api:zeta&key=db:schema/alpha&key=src/nobody.py", alice).json().getJsonArray("locks");
    assertEquals(List.of("api:zeta", "db:schema/alpha"), keys(named));
    List<String> all = keys(http.get("/v1/locks", alice).json().getJsonArray("locks"));
    assertTrue(all.containsAll(List.of("api:zeta", "db:schema/alpha")), all::toString);
    assertEquals(all.stream().sorted().toList(), all, "sorted by key");
  }

  private static List<String> keys(JsonArray locks) {
    return locks.stream().map(JsonObject.class::cast).map(lock -> lock.getString("key")).toList();
  }

  @Test
  void everyLockMutationRequestHasExactlyOneAuditRow() {
    long before = service.database().count("audit_log");
    long token = acquire(alice, "src/counted.py", 60).getLong("fencing_token");
    http.post("/v1/locks/acquire", bob, new JsonObject().put("key", "src/counted.py"));
    http.post("/v1/locks/renew", alice, new JsonObject().put("key", "src/counted.py").put("fencing_token", token));
    http.post("/v1/locks/release", bob, new JsonObject().put("key", "src/counted.py"));
    http.post("/v1/locks/release", alice, new JsonObject().put("key", "src/counted.py"));
    http.get("/v1/locks?key=src/counted.py", alice);
    assertEquals(before + 6, service.database().count("audit_log"), "AUD-1, ENF-5: five mutations and one read, six rows");
    assertEquals(List.of("ok", "error", "ok", "error", "ok", "ok"), service.database()
        .query("SELECT outcome FROM audit_log WHERE resource = 'src/counted.py' ORDER BY id").stream()
        .map(row -> (String) row.get("outcome")).toList());
  }
}
