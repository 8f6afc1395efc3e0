package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coordinator.bus.Commands;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.policy.CedarPolicyEngine;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.ValidRequests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ENF-5, AUD-1: every decision the gate takes is exactly one audit row, and the row is the only
 * thing that changes: an allowed read (every read command there is a REST route for), a denied
 * read, an empty claim, and every mutation refused because its {@code Coordinator-Session} has
 * ended. Each case counts the rows written while it ran (exactly one, every field as expected)
 * and compares a snapshot of every table but the trail's before and after. Denied mutations are
 * held the same way, through every entry point, by {@code mcp/EnforcementMatrixTest}.
 */
@Tag("ENF-5")
@Tag("AUD-1")
class DecisionAuditTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  /** The trail's own tables: the only ones a decision may change. */
  private static final String[] TRAIL = {"audit_log", "audit_seals"};
  /** Reads with no REST route: the service sends them itself when a waiting client goes away (lock/RestWaiterHangUpTest). */
  private static final Set<Class<?>> NOT_OVER_REST = Set.of(LockCommand.CancelWait.class, TaskCommand.CancelWait.class);

  private static Http http;
  private static String alice;
  private static String root;
  private static String suspended;
  private static ValidRequests.Fixture fixture;

  @BeforeAll
  static void setUp() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    root = service.agent("root", "claude_code", 3);
    suspended = service.agent("mallory", "claude_code", 0);
    fixture = ValidRequests.fixture(http, alice, "src/decided.py");
    assertEquals(201, http.post("/v1/handoffs", alice, new JsonObject().put("summary", "s")).status());
    assertEquals(201, http.post("/v1/memories", alice, new JsonObject().put("event_type", "e").put("summary", "s")).status());
  }

  /** A read over REST, who may run it, and the resource its row names. */
  private record Read(ValidRequests.Rest request, boolean admin, String resource) {
  }

  /** A REST request for every read command, with the resource the audit row must name. */
  private static Map<Class<?>, Read> reads() {
    String task = fixture.claimedTask();
    return Map.ofEntries(
        Map.entry(LockCommand.Check.class, new Read(new ValidRequests.Rest("GET", "/v1/locks", null), false, "*")),
        Map.entry(LockCommand.Validate.class, new Read(new ValidRequests.Rest("POST", "/v1/locks/validate",
            new JsonObject().put("key", fixture.key()).put("fencing_token", fixture.fencingToken())), false, fixture.key())),
        Map.entry(TaskCommand.Get.class, new Read(new ValidRequests.Rest("GET", "/v1/tasks/" + task, null), false, task)),
        Map.entry(TaskCommand.ListTasks.class, new Read(new ValidRequests.Rest("GET", "/v1/tasks", null), false, "*")),
        Map.entry(SessionCommand.Discover.class, new Read(new ValidRequests.Rest("GET", "/v1/agents", null), false, "*")),
        Map.entry(HandoffCommand.Read.class, new Read(new ValidRequests.Rest("GET", "/v1/handoffs", null), false, "handoff")),
        Map.entry(MemoryCommand.Recall.class, new Read(new ValidRequests.Rest("GET", "/v1/memories", null), false, "*")),
        Map.entry(PolicyCommand.Check.class, new Read(new ValidRequests.Rest("POST", "/v1/policy/check",
            new JsonObject().put("action", "acquire_lock")), false, "acquire_lock")),
        Map.entry(PolicyCommand.Validate.class, new Read(new ValidRequests.Rest("POST", "/v1/policy/validate",
            new JsonObject().put("policy_text", "permit(principal, action, resource);")), true, "policy")),
        Map.entry(PolicyCommand.Profile.class, new Read(new ValidRequests.Rest("GET", "/v1/profile", null), false, "profile")),
        Map.entry(PolicyCommand.CheckGuardrails.class, new Read(new ValidRequests.Rest("POST", "/v1/guardrails/check",
            new JsonObject().put("text", "nothing to see")), false, "guardrails")),
        Map.entry(AuditCommand.Query.class, new Read(new ValidRequests.Rest("GET", "/v1/audit", null), false, "*")),
        Map.entry(AuditCommand.Verify.class, new Read(new ValidRequests.Rest("GET", "/v1/audit/verify", null), true, "*")));
  }

  /** The rows one request wrote, and whether any other table changed meanwhile. */
  private record Decided(Http.Response response, List<Map<String, Object>> rows, List<String> changedTables) {
    Map<String, Object> only() {
      assertEquals(List.of(), changedTables, () -> "ENF-5: a decision changed more than the trail: " + response);
      assertEquals(1, rows.size(), () -> "ENF-5: exactly one audit row for " + response + ", got " + rows);
      return rows.get(0);
    }
  }

  private static Decided decided(Supplier<Http.Response> request) {
    Map<String, List<String>> before = service.database().snapshot(TRAIL);
    long last = ((Number) service.database().value("SELECT coalesce(max(id), 0) FROM audit_log")).longValue();
    Http.Response response = request.get();
    List<Map<String, Object>> rows = service.database().query("SELECT agent, agent_type, session_id, request_id, action,"
        + " resource, decision, reason, engine, outcome, params::text AS params, result::text AS result"
        + " FROM audit_log WHERE id > ? ORDER BY id", last);
    Map<String, List<String>> after = service.database().snapshot(TRAIL);
    List<String> changed = before.keySet().stream().filter(table -> !before.get(table).equals(after.get(table))).toList();
    return new Decided(response, rows, changed);
  }

  /** The fields every row shares: who, which request, which action on what, the decision and its outcome. */
  private static void assertRow(Decided decided, String agent, String session, String action, String resource,
                                String decision, String outcome) {
    Map<String, Object> row = decided.only();
    assertEquals(List.of(agent, "claude_code", action, resource, decision, outcome),
        Arrays.asList(row.get("agent"), row.get("agent_type"), row.get("action"), row.get("resource"),
            row.get("decision"), row.get("outcome")), row::toString);
    assertEquals(session, row.get("session_id"), row::toString);
    assertEquals(decided.response().header("X-Request-Id").orElseThrow(), row.get("request_id"), row::toString);
    assertNotNull(row.get("reason"), row::toString);
  }

  @Test
  void everyReadCommandHasARestCase() {
    Set<String> missing = new TreeSet<>();
    Commands.all().stream().filter(type -> !Commands.action(type).mutates())
        .filter(type -> !reads().containsKey(type) && !NOT_OVER_REST.contains(type))
        .forEach(type -> missing.add(Commands.action(type).value()));
    assertEquals(Set.of(), missing, "ENF-5: read commands without a case here");
  }

  @TestFactory
  Stream<DynamicTest> anAllowedReadIsOneAllowRowAndChangesNothingElse() {
    return reads().entrySet().stream().map(entry -> DynamicTest.dynamicTest(Commands.action(entry.getKey()).value(), () -> {
      String action = Commands.action(entry.getKey()).value();
      Read read = entry.getValue();
      String caller = read.admin() ? "root" : "alice";
      Decided decided = decided(() -> read.request().send(http, read.admin() ? root : alice));
      assertEquals(200, decided.response().status(), decided.response()::toString);
      assertRow(decided, caller, null, action, read.resource(), "allow", "ok");
      Map<String, Object> row = decided.only();
      assertEquals(CedarPolicyEngine.NAME, row.get("engine"), row::toString);
      assertNull(row.get("result"), row::toString);
    }));
  }

  @TestFactory
  Stream<DynamicTest> aDeniedReadIsOneDenyRowAndChangesNothingElse() {
    return reads().entrySet().stream().map(entry -> DynamicTest.dynamicTest(Commands.action(entry.getKey()).value(), () -> {
      Read read = entry.getValue();
      Decided decided = decided(() -> read.request().send(http, suspended));
      assertEquals(403, decided.response().status(), decided.response()::toString);
      assertEquals("POLICY_DENIED", decided.response().errorCode());
      Map<String, Object> row = decided.only();
      assertEquals(List.of("mallory", Commands.action(entry.getKey()).value(), read.resource(), "deny", "denied"),
          List.of(row.get("agent"), row.get("action"), row.get("resource"), row.get("decision"), row.get("outcome")),
          row::toString);
      assertEquals(decided.response().json().getJsonObject("error").getJsonObject("details").getString("engine"),
          row.get("engine"), row::toString);
      assertEquals(decided.response().header("X-Request-Id").orElseThrow(), row.get("request_id"), row::toString);
    }));
  }

  @Test
  void anEmptyClaimIsOneAllowRowAndChangesNothingElse() {
    Decided decided = decided(() -> http.post("/v1/tasks/claim", alice,
        new JsonObject().put("task_types", new JsonArray().add("nothing-of-this-type"))));
    assertEquals(200, decided.response().status(), decided.response()::toString);
    assertNull(decided.response().json().getValue("task"));
    assertRow(decided, "alice", null, "get_work", "nothing-of-this-type", "allow", "ok");
    assertEquals(new JsonObject().putNull("task"), new JsonObject((String) decided.only().get("result")));
  }

  @TestFactory
  Stream<DynamicTest> aMutationInAnEndedSessionIsOneDenyRowAndChangesNothingElse() {
    Map<String, String> ended = Map.of("alice", endedSession(alice), "root", endedSession(root));
    return ValidRequests.rest(fixture).entrySet().stream().map(entry ->
        DynamicTest.dynamicTest(Commands.action(entry.getKey()).value(), () -> {
          ValidRequests.Rest rest = entry.getValue();
          // Admin actions go to an admin, so the gate allows them and the session check is what refuses.
          String caller = Commands.action(entry.getKey()).admin() ? "root" : "alice";
          Decided decided = decided(() -> http.send(rest.method(), rest.path(), caller.equals("root") ? root : alice,
              rest.body() == null ? null : rest.body().encode(), "Coordinator-Session", ended.get(caller)));
          assertEquals(400, decided.response().status(), decided.response()::toString);
          assertEquals("VALIDATION_FAILED", decided.response().errorCode());
          Map<String, Object> row = decided.only();
          assertEquals(List.of(caller, ended.get(caller), Commands.action(entry.getKey()).value(), "deny", "denied", "gate"),
              Arrays.asList(row.get("agent"), row.get("session_id"), row.get("action"), row.get("decision"),
                  row.get("outcome"), row.get("engine")), row::toString);
          assertEquals(new JsonObject().put("error", "VALIDATION_FAILED").put("field", "Coordinator-Session"),
              new JsonObject((String) row.get("result")), row::toString);
        }));
  }

  private static String endedSession(String key) {
    Http.Response opened = http.post("/v1/sessions", key, new JsonObject());
    String session = opened.json().getJsonObject("session").getString("id");
    assertEquals(200, http.send("DELETE", "/v1/sessions/" + session, key, null).status());
    return session;
  }
}
