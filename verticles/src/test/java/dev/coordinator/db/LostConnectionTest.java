package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A database connection lost while a request is under way (here: its backend terminated, as an
 * operator or a failover does) is never a 500. A mutation whose statement was sent has an unknown
 * outcome and says so ({@code 504 TIMEOUT}, retry with the same Idempotency-Key); a read is
 * {@code 503 UNAVAILABLE}. The service recovers: the next request works.
 */
class LostConnectionTest {
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
   * Runs {@code request} while another transaction holds the audit table in share mode, so the
   * request's audit insert blocks inside the database; once its backend is seen waiting, the
   * backend is terminated. Returns the answer.
   */
  private static Http.Response terminatedWhileBlocked(Supplier<Http.Response> request) throws Exception {
    try (Connection blocker = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      blocker.setAutoCommit(false);
      try (Statement statement = blocker.createStatement()) {
        statement.execute("LOCK TABLE audit_log IN SHARE MODE");
      }
      CompletableFuture<Http.Response> answer = CompletableFuture.supplyAsync(request);
      List<Map<String, Object>> terminated = List.of();
      Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
      while (terminated.isEmpty()) {
        assertTrue(Instant.now().isBefore(deadline), "the request never blocked on the held table lock");
        assertFalse(answer.isDone(), () -> "answered without blocking: " + answer.join());
        terminated = service.database().query("""
            SELECT pid, pg_terminate_backend(pid) AS done FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'""");
      }
      blocker.rollback();
      return answer.get();
    }
  }

  private static void assertUnknownOutcome(Http.Response response) {
    assertEquals(504, response.status(), response::toString);
    assertEquals("TIMEOUT", response.errorCode());
    String message = response.json().getJsonObject("error").getString("message");
    assertTrue(message.contains("outcome is unknown") && message.contains("Idempotency-Key"), message);
  }

  private static void assertRecovers() {
    Http.Response next = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", "src/after.py"));
    assertEquals(200, next.status(), next::toString);
    assertEquals(200, http.post("/v1/locks/release", alice, new JsonObject().put("key", "src/after.py")).status());
  }

  @Test
  void aMutationWhoseConnectionIsLostHasAnUnknownOutcome() throws Exception {
    assertUnknownOutcome(terminatedWhileBlocked(() ->
        http.post("/v1/locks/acquire", alice, new JsonObject().put("key", "src/lost.py"))));
    assertRecovers();
  }

  @Test
  void anIdempotentMutationWhoseConnectionIsLostHasAnUnknownOutcome() throws Exception {
    assertUnknownOutcome(terminatedWhileBlocked(() -> http.send("POST", "/v1/tasks", alice,
        new JsonObject().put("task_type", "build").put("description", "d").encode(), "Idempotency-Key", "lost-1")));
    assertRecovers();
  }

  @Test
  void aReadWhoseConnectionIsLostIsUnavailable() throws Exception {
    Http.Response response = terminatedWhileBlocked(() -> http.get("/v1/locks", alice));
    assertEquals(503, response.status(), response::toString);
    assertEquals("UNAVAILABLE", response.errorCode());
    assertRecovers();
  }

  @Test
  void everyRequestFailedByKilledConnectionsIsAnsweredWithRetryGuidance() throws Exception {
    List<CompletableFuture<Http.Response>> inFlight = new java.util.ArrayList<>();
    try (Connection blocker = DriverManager.getConnection(service.database().url().jdbcUrl())) {
      blocker.setAutoCommit(false);
      try (Statement statement = blocker.createStatement()) {
        statement.execute("LOCK TABLE audit_log IN SHARE MODE");
      }
      for (int i = 0; i < 8; i++) {
        String key = "src/many" + i + ".py";
        inFlight.add(CompletableFuture.supplyAsync(() -> http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key))));
      }
      Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
      while (((Number) service.database().value("""
          SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'""")).intValue()
          < 2) {
        assertTrue(Instant.now().isBefore(deadline), "requests never blocked");
      }
      terminateServiceBackends();
      blocker.rollback();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    for (CompletableFuture<Http.Response> request : inFlight) {
      Http.Response response = request.get();
      assertTrue(List.of(200, 503, 504).contains(response.status()), response::toString);
      if (response.status() != 200) {
        String message = response.json().getJsonObject("error").getString("message");
        assertTrue(message.contains("retry") || message.contains("Retry"), message);
        if (response.status() == 504) {
          assertTrue(message.contains("outcome is unknown"), message);
        }
      }
    }
    assertRecovers();
  }

  private static void terminateServiceBackends() {
    service.database().query("""
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND application_name <> 'PostgreSQL JDBC Driver'""");
  }
}
