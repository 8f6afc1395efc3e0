package dev.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.TestService;
import dev.coordinator.testing.ValidRequests;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * OPS-2: {@code status}, {@code locks}, {@code tasks} and {@code audit verify} against a live
 * service, run in-process through {@link Cli#run} as {@code bin/coordinator} runs them.
 */
class OperatorCommandsTest {
  private static TestService service;
  private static String rootKey;
  private static ValidRequests.Fixture fixture;
  private static String session;

  @BeforeAll
  static void start() {
    service = TestService.start();
    rootKey = service.agent("root", "operator", 4);
    String alice = service.agent("alice", "claude_code", 2);
    session = service.http().post("/v1/sessions", alice, new JsonObject()).json().getJsonObject("session").getString("id");
    fixture = ValidRequests.fixture(service.http(), alice, "src/ops.py", session);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  private static Map<String, String> env(String key) {
    return Map.of("COORDINATOR_URL", "http://127.0.0.1:" + service.config().httpPort(), "COORDINATOR_KEY", key);
  }

  private static Run operator(String... args) {
    return Run.of(env(rootKey), args);
  }

  @Test
  @DisplayName("OPS-2: status shows the node, the database and counts of locks, tasks by status and active agents")
  void statusShowsHealthAndCounts() {
    Run table = operator("status");
    assertEquals(0, table.exit(), table::toString);
    assertTrue(Pattern.compile("(?m)^node +" + Pattern.quote(service.node().id()) + "$").matcher(table.out()).find(),
        table::toString);
    for (String line : List.of("(?m)^database +up$", "(?m)^cluster +single node$", "(?m)^locks +1 held$",
        "(?m)^tasks +pending 1, claimed 1, completed 0, failed 0, cancelled 0$", "(?m)^sessions +1 agents active$")) {
      assertTrue(Pattern.compile(line).matcher(table.out()).find(), () -> line + " not in\n" + table);
    }
    Run json = operator("status", "--json");
    assertEquals(0, json.exit(), json::toString);
    JsonObject status = new JsonObject(json.out());
    assertEquals(1, status.getInteger("locks"));
    assertEquals(new JsonObject().put("pending", 1).put("claimed", 1).put("completed", 0).put("failed", 0)
        .put("cancelled", 0), status.getJsonObject("tasks"));
    assertEquals("up", status.getJsonObject("health").getString("db"));
  }

  @Test
  @DisplayName("OPS-2: locks prints key, holder, session, token and time left in aligned columns")
  void locksTable() {
    Run table = operator("locks");
    assertEquals(0, table.exit(), table::toString);
    List<String> lines = table.out().lines().toList();
    assertEquals(2, lines.size(), table::toString);
    assertTrue(lines.get(0).matches("KEY +HOLDER +SESSION +TOKEN +EXPIRES IN"), table::toString);
    assertTrue(lines.get(1).matches("src/ops\\.py +alice +" + session + " +" + fixture.fencingToken() + " +(59|60)m \\d\\ds"),
        table::toString);
    assertEquals(lines.get(0).indexOf("HOLDER"), lines.get(1).indexOf("alice"), "columns line up");
    Run json = operator("locks", "--json");
    assertEquals("src/ops.py", new JsonObject(json.out()).getJsonArray("locks").getJsonObject(0).getString("key"));
  }

  @Test
  @DisplayName("OPS-2: tasks lists id, type, status, priority, claimant and attempts, filtered by --status/--type/--limit")
  void tasksTableAndFilters() {
    Run all = operator("tasks");
    assertEquals(0, all.exit(), all::toString);
    assertTrue(all.out().lines().findFirst().orElseThrow().matches("ID +TYPE +STATUS +PRIORITY +CLAIMED BY +ATTEMPTS"), all::toString);
    assertEquals(3, all.out().lines().count(), all::toString);
    Run claimed = operator("tasks", "--status", "claimed");
    List<String> rows = claimed.out().lines().skip(1).toList();
    assertEquals(1, rows.size(), claimed::toString);
    assertTrue(rows.get(0).matches(fixture.claimedTask() + " +fixture-\\d+ +claimed +5 +alice +1/3"), claimed::toString);
    assertEquals(1, operator("tasks", "--type", "no-such-type").out().lines().count(), "only the header");
    Run limited = operator("tasks", "--limit", "1", "--json");
    assertEquals(1, new JsonObject(limited.out()).getJsonArray("tasks").size(), limited::toString);
    Run bad = operator("tasks", "--status", "sleeping");
    assertEquals(2, bad.exit(), bad::toString);
    assertTrue(bad.err().startsWith("coordinator: GET /v1/tasks?status=sleeping failed: VALIDATION_FAILED"), bad::toString);
  }

  @Test
  @DisplayName("OPS-2, AUD-2: audit verify exits 0 on an intact trail and 1, naming the entry, once a superuser edits one")
  void auditVerifyExitsOneOnABrokenChain() {
    Run intact = operator("audit", "verify");
    assertEquals(0, intact.exit(), intact::toString);
    assertTrue(intact.out().startsWith("audit trail intact: "), intact::toString);

    long edited = (Long) service.database().value("SELECT min(id) FROM audit_log WHERE agent = 'alice'");
    service.database().execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
    service.database().execute("UPDATE audit_log SET reason = 'nothing to see' WHERE id = " + edited);
    service.database().execute("ALTER TABLE audit_log ENABLE TRIGGER USER");

    Run broken = operator("audit", "verify");
    assertEquals(1, broken.exit(), broken::toString);
    assertTrue(broken.out().startsWith("audit trail BROKEN: entry " + edited + " "), broken::toString);
    Run json = operator("audit", "verify", "--json");
    assertEquals(1, json.exit(), json::toString);
    assertEquals(edited, new JsonObject(json.out()).getLong("first_bad_id"));
  }

  @Test
  @DisplayName("OPS-2: an unknown key exits 3, too little trust for audit verify exits 3, no service exits 2")
  void refusalsAndUnreachable() throws IOException {
    Run unknown = Run.of(env("not-a-key"), "locks");
    assertEquals(3, unknown.exit(), unknown::toString);
    assertTrue(unknown.err().contains("does not know this key (UNAUTHENTICATED"), unknown::toString);
    Run reader = Run.of(env(service.agent("reader", "claude_code", 1)), "audit", "verify");
    assertEquals(3, reader.exit(), reader::toString);
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Run unreachable = Run.of(Map.of("COORDINATOR_KEY", rootKey), "status", "--url", "http://127.0.0.1:" + closed);
    assertEquals(2, unreachable.exit(), unreachable::toString);
    assertTrue(unreachable.err().startsWith("coordinator: cannot reach the coordinator at http://127.0.0.1:" + closed),
        unreachable::toString);
  }
}
