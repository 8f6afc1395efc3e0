package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.db.SqlStatements;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * AUD-1, ENF-5: every kind of change (each mutating command, the sweeper's, the reaper's, the
 * cascades and the waiters' grants) writes exactly one audit row per effect, in the transaction
 * of the change. A test-only trigger on audit_log raises for a chosen action; the change must
 * then be gone too (every table but the trail's own is as it was). The kinds are derived from the
 * code: the commands marked mutating and every action a statement writes to the trail, so a new
 * kind without a case here fails {@link #everyMutationTypeHasACase}.
 */
@Tag("AUD-1")
@Tag("ENF-5")
class AuditPerEffectTest {
  private static final Path POLICIES = policyCopy();
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100", "--policy-dir", POLICIES.toString());
  /** An audited action named as a literal after the audit context in a statement: {@code $8::jsonb, 'action'} or a CASE of them. */
  private static final Pattern AUDITED_ACTION = Pattern.compile("\\$8::jsonb,\\s*(CASE\\b.*?\\bEND|'[a-z_]+')", Pattern.DOTALL);
  private static final Pattern LITERAL = Pattern.compile("(?:THEN|ELSE|^)\\s*'([a-z_]+)'");

  private static Http http;
  private static String alice;
  private static String bob;
  private static String root;
  private static int serial;

  /** One kind of change: the actions it audits, and how to run it with each of them faulted and then for real. */
  record Scenario(String name, Set<String> actions, Runnable body) {
  }

  @BeforeAll
  static void setUp() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
    root = service.agent("root", "claude_code", 3);
    service.database().execute(
        "CREATE TABLE aud1_faults (action text PRIMARY KEY)",
        "CREATE SEQUENCE aud1_fault_hits",
        """
        CREATE FUNCTION aud1_fault() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM aud1_faults WHERE action = NEW.action) THEN
            PERFORM nextval('aud1_fault_hits');
            RAISE EXCEPTION 'AUD-1 test fault: the audit row of % cannot be written', NEW.action;
          END IF;
          RETURN NEW;
        END $$""",
        "CREATE TRIGGER aud1_fault AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION aud1_fault()");
  }

  @AfterAll
  static void removePolicyCopy() throws IOException {
    try (Stream<Path> files = Files.list(POLICIES)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(POLICIES);
  }

  private static Path policyCopy() {
    try {
      Path folder = Files.createTempDirectory("aud1-policies");
      try (Stream<Path> files = Files.list(Path.of(System.getProperty("user.dir")).resolve("../policies"))) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Files.copy(file, folder.resolve(file.getFileName()));
        }
      }
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The mutation inventory: mutating commands plus every action a statement of the code audits. */
  static Set<String> inventory() throws IllegalAccessException {
    Set<String> actions = new TreeSet<>();
    Commands.mutations().forEach(type -> actions.add(Commands.action(type).value()));
    for (SqlStatements.Statement statement : SqlStatements.all()) {
      Matcher audited = AUDITED_ACTION.matcher(statement.text());
      while (audited.find()) {
        Matcher literal = LITERAL.matcher(audited.group(1));
        while (literal.find()) {
          actions.add(literal.group(1));
        }
      }
    }
    return actions;
  }

  private static List<Scenario> scenarios() {
    return List.of(
        new Scenario("lock acquire", Set.of("acquire_lock"), AuditPerEffectTest::acquire),
        new Scenario("lock renew", Set.of("renew_lock"), AuditPerEffectTest::renewLock),
        new Scenario("lock release", Set.of("release_lock"), AuditPerEffectTest::release),
        new Scenario("lock waiter's grant", Set.of("acquire_lock"), AuditPerEffectTest::lockWaiter),
        new Scenario("task submit", Set.of("submit_work"), AuditPerEffectTest::submit),
        new Scenario("task claim", Set.of("get_work"), AuditPerEffectTest::claim),
        new Scenario("claim waiter's grant", Set.of("get_work"), AuditPerEffectTest::claimWaiter),
        new Scenario("task renew", Set.of("renew_claim"), AuditPerEffectTest::renewClaim),
        new Scenario("task complete (failed, cascading)", Set.of("complete_work", "cancel_task"), AuditPerEffectTest::completeFailed),
        new Scenario("task cancel (cascading)", Set.of("cancel_task"), AuditPerEffectTest::cancel),
        new Scenario("session register", Set.of("register_session"), AuditPerEffectTest::register),
        new Scenario("session heartbeat", Set.of("heartbeat"), AuditPerEffectTest::heartbeat),
        new Scenario("session end (locks and claims freed)", Set.of("end_session", "release_lock", "requeue_task"),
            AuditPerEffectTest::endSession),
        new Scenario("handoff", Set.of("write_handoff"), AuditPerEffectTest::handoff),
        new Scenario("memory (created, deduplicated)", Set.of("remember"), AuditPerEffectTest::remember),
        new Scenario("policy reload", Set.of("reload_policies"), AuditPerEffectTest::reload),
        new Scenario("sweeper: lease expiry", Set.of("requeue_task"), AuditPerEffectTest::leaseExpiry),
        new Scenario("sweeper: deadline failure (cascading)", Set.of("fail_task", "cancel_task"), AuditPerEffectTest::deadline),
        new Scenario("reaper: session reaped, locks released, tasks requeued",
            Set.of("reap_session", "release_lock", "requeue_task"), AuditPerEffectTest::reap));
  }

  @Test
  void everyMutationTypeHasACase() throws Exception {
    Set<String> covered = new TreeSet<>();
    scenarios().forEach(scenario -> covered.addAll(scenario.actions()));
    Set<String> inventory = inventory();
    assertTrue(inventory.containsAll(Set.of("requeue_task", "fail_task", "reap_session", "cancel_task")),
        "the system's own actions are found in the statements: " + inventory);
    Set<String> missing = new TreeSet<>(inventory);
    missing.removeAll(covered);
    assertTrue(missing.isEmpty(), "AUD-1: mutation types without an atomicity case: " + missing);
  }

  @TestFactory
  Stream<DynamicTest> eachMutationTypeAuditsEachEffectOnceInItsTransaction() {
    return scenarios().stream().map(scenario -> DynamicTest.dynamicTest(scenario.name(), scenario.body()::run));
  }

  // ---- the cases -------------------------------------------------------------------------

  private static void acquire() {
    String key = unique("src/acq");
    faulted("acquire_lock", () -> assertFault(http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key))));
    assertEquals(200, http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key)).status());
    assertRows(1, "acquire_lock", key);
  }

  private static void renewLock() {
    String key = unique("src/renew");
    long token = http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key)).json()
        .getJsonObject("lock").getLong("fencing_token");
    JsonObject renew = new JsonObject().put("key", key).put("fencing_token", token).put("ttl_seconds", 900);
    faulted("renew_lock", () -> assertFault(http.post("/v1/locks/renew", alice, renew)));
    assertEquals(200, http.post("/v1/locks/renew", alice, renew).status());
    assertRows(1, "renew_lock", key);
  }

  private static void release() {
    String key = unique("src/release");
    assertEquals(200, http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key)).status());
    faulted("release_lock", () -> assertFault(http.post("/v1/locks/release", alice, new JsonObject().put("key", key))));
    assertEquals(200, http.post("/v1/locks/release", alice, new JsonObject().put("key", key)).status());
    assertRows(1, "release_lock", key);
  }

  private static void lockWaiter() {
    String faultedKey = unique("src/waited");
    assertEquals(200, http.post("/v1/locks/acquire", alice, new JsonObject().put("key", faultedKey)).status());
    CompletableFuture<Http.Response> refused = waitFor(faultedKey);
    fault("acquire_lock");
    try {
      unchangedWhileFaulted(
          () -> assertEquals(200, http.post("/v1/locks/release", alice, new JsonObject().put("key", faultedKey)).status()),
          () -> { });
      assertNotEquals(200, join(refused).status(), "the waiter was told its grant did not happen");
    } finally {
      clearFaults();
    }
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = ? AND holder = 'bob'", faultedKey));

    String key = unique("src/waited");
    assertEquals(200, http.post("/v1/locks/acquire", alice, new JsonObject().put("key", key)).status());
    CompletableFuture<Http.Response> granted = waitFor(key);
    assertEquals(200, http.post("/v1/locks/release", alice, new JsonObject().put("key", key)).status());
    assertEquals("bob", join(granted).json().getJsonObject("lock").getString("holder"));
    assertEquals(1L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE action = 'acquire_lock' AND resource = ? AND agent = 'bob'", key),
        "AUD-1: one row for the waiter's grant, however often it tried");
  }

  private static CompletableFuture<Http.Response> waitFor(String key) {
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> http.post("/v1/locks/acquire", bob,
        new JsonObject().put("key", key).put("wait_ms", 30_000)));
    awaitGauge("coordinator_waiting_acquires", 1);
    return waiting;
  }

  private static void submit() {
    String type = unique("submit");
    JsonObject task = new JsonObject().put("task_type", type).put("description", "d");
    faulted("submit_work", () -> assertFault(http.post("/v1/tasks", alice, task)));
    assertRows(1, "submit_work", submitted(task));
  }

  private static void claim() {
    String type = unique("claim");
    String id = submitted(new JsonObject().put("task_type", type).put("description", "d"));
    JsonObject claim = new JsonObject().put("task_types", new JsonArray().add(type));
    faulted("get_work", () -> assertFault(http.post("/v1/tasks/claim", bob, claim)));
    assertEquals(id, http.post("/v1/tasks/claim", bob, claim).json().getJsonObject("task").getString("id"));
    assertRows(1, "get_work", id);
  }

  private static void claimWaiter() {
    String faultedType = unique("waited");
    CompletableFuture<Http.Response> refused = claimWaiting(faultedType);
    fault("get_work");
    try {
      unchangedWhileFaulted(() -> submitted(new JsonObject().put("task_type", faultedType).put("description", "d")), () -> { });
      assertNotEquals(200, join(refused).status(), "the waiter was told its claim did not happen");
    } finally {
      clearFaults();
    }
    String type = unique("waited");
    CompletableFuture<Http.Response> granted = claimWaiting(type);
    String id = submitted(new JsonObject().put("task_type", type).put("description", "d"));
    assertEquals(id, join(granted).json().getJsonObject("task").getString("id"));
    assertRows(1, "get_work", id);
  }

  private static CompletableFuture<Http.Response> claimWaiting(String type) {
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() -> http.post("/v1/tasks/claim", bob,
        new JsonObject().put("task_types", new JsonArray().add(type)).put("wait_ms", 30_000)));
    awaitGauge("coordinator_waiting_claims", 1);
    return waiting;
  }

  private static void renewClaim() {
    JsonObject claimed = claimedTask(unique("renew"), bob, null);
    String id = claimed.getString("id");
    JsonObject renew = new JsonObject().put("claim_token", claimed.getString("claim_token")).put("lease_seconds", 900);
    faulted("renew_claim", () -> assertFault(http.post("/v1/tasks/" + id + "/renew", bob, renew)));
    assertEquals(200, http.post("/v1/tasks/" + id + "/renew", bob, renew).status());
    assertRows(1, "renew_claim", id);
  }

  private static void completeFailed() {
    String type = unique("complete");
    JsonObject claimed = claimedTask(type, bob, null);
    String first = dependent(claimed.getString("id"));
    String second = dependent(first);
    JsonObject complete = new JsonObject().put("claim_token", claimed.getString("claim_token")).put("success", false)
        .put("error", "broken");
    String path = "/v1/tasks/" + claimed.getString("id") + "/complete";
    faulted("complete_work", () -> assertFault(http.post(path, bob, complete)));
    faulted("cancel_task", () -> assertFault(http.post(path, bob, complete)));
    assertEquals(200, http.post(path, bob, complete).status());
    assertRows(1, "complete_work", claimed.getString("id"));
    assertRows(1, "cancel_task", first);
    assertRows(1, "cancel_task", second);
  }

  private static void cancel() {
    String id = submitted(new JsonObject().put("task_type", unique("cancel")).put("description", "d"));
    String dependent = dependent(id);
    JsonObject cancel = new JsonObject().put("reason", "not needed");
    faulted("cancel_task", () -> assertFault(http.post("/v1/tasks/" + id + "/cancel", alice, cancel)));
    assertEquals(200, http.post("/v1/tasks/" + id + "/cancel", alice, cancel).status());
    assertRows(1, "cancel_task", id);
    assertRows(1, "cancel_task", dependent);
  }

  private static void register() {
    faulted("register_session", () -> assertFault(http.post("/v1/sessions", alice, new JsonObject())));
    assertRows(1, "register_session", session(alice));
  }

  private static void heartbeat() {
    String session = session(alice);
    String path = "/v1/sessions/" + session + "/heartbeat";
    service.database().execute("UPDATE sessions SET last_heartbeat = now() - interval '5 seconds' WHERE id = '" + session + "'");
    faulted("heartbeat", () -> assertFault(http.post(path, alice, new JsonObject())));
    assertEquals(200, http.post(path, alice, new JsonObject()).status());
    assertRows(1, "heartbeat", session);
  }

  private static void endSession() {
    String session = session(bob);
    String key = unique("src/ended");
    assertEquals(200, inSession(bob, session, "/v1/locks/acquire", new JsonObject().put("key", key)).status());
    String task = claimedTask(unique("ended"), bob, session).getString("id");
    for (String action : List.of("end_session", "release_lock", "requeue_task")) {
      faulted(action, () -> assertFault(http.send("DELETE", "/v1/sessions/" + session, bob, null)));
    }
    JsonObject ended = http.send("DELETE", "/v1/sessions/" + session, bob, null).json();
    assertEquals(1, ended.getInteger("released_locks"), ended::encode);
    assertRows(1, "end_session", session);
    assertRows(1, "release_lock", key);
    assertRows(1, "requeue_task", task);
  }

  private static void handoff() {
    JsonObject note = new JsonObject().put("summary", unique("handoff")).put("next_steps", new JsonArray().add("test"));
    faulted("write_handoff", () -> assertFault(http.post("/v1/handoffs", alice, note)));
    Http.Response written = http.post("/v1/handoffs", alice, note);
    assertEquals(201, written.status(), written::toString);
    assertRows(1, "write_handoff", written.json().getJsonObject("handoff").getString("id"));
  }

  private static void remember() {
    JsonObject memory = new JsonObject().put("event_type", "lesson").put("summary", unique("memory"));
    faulted("remember", () -> assertFault(http.post("/v1/memories", alice, memory)));
    Http.Response created = http.post("/v1/memories", alice, memory);
    assertEquals("created", created.json().getString("action"), created::toString);
    String id = created.json().getJsonObject("memory").getString("id");
    assertRows(1, "remember", id);
    faulted("remember", () -> assertFault(http.post("/v1/memories", alice, memory)));
    Http.Response deduplicated = http.post("/v1/memories", alice, memory);
    assertEquals("deduplicated", deduplicated.json().getString("action"), deduplicated::toString);
    assertRows(2, "remember", id);
    assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE action = 'remember' AND resource = ?"
        + " AND result->>'action' = 'deduplicated'", id));
  }

  /** The policy set lives in memory: a reload whose audit row fails must leave the old set in force. */
  private static void reload() {
    Path forbid = POLICIES.resolve("aud1-forbid-handoffs.cedar");
    JsonObject note = new JsonObject().put("summary", unique("reload"));
    try {
      Files.writeString(forbid, "forbid (principal, action == Action::\"write_handoff\", resource);\n");
      faulted("reload_policies", () -> assertFault(http.post("/v1/policy/reload", root, new JsonObject())));
      assertEquals(201, http.post("/v1/handoffs", alice, note).status(),
          "AUD-1: the reload whose audit row failed is in force");
      long before = rows("reload_policies");
      assertEquals(200, http.post("/v1/policy/reload", root, new JsonObject()).status());
      assertEquals(before + 1, rows("reload_policies"));
      assertEquals("POLICY_DENIED", http.post("/v1/handoffs", alice, note).errorCode(), "the reload took effect");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(forbid);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      assertEquals(200, http.post("/v1/policy/reload", root, new JsonObject()).status());
    }
  }

  private static void leaseExpiry() {
    String id = claimedTask(unique("expiry"), bob, null).getString("id");
    fault("requeue_task");
    try {
      unchangedWhileFaulted(() -> service.database().execute(
          "UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = '" + id + "'"), () -> { });
    } finally {
      clearFaults();
    }
    Await.until("the sweeper requeued " + id, () -> "pending".equals(status(id)));
    assertRows(1, "requeue_task", id);
  }

  private static void deadline() {
    String id = submitted(new JsonObject().put("task_type", unique("deadline")).put("description", "d")
        .put("deadline", Instant.now().plusSeconds(3600).toString()));
    String dependent = dependent(id);
    for (String action : List.of("fail_task", "cancel_task")) {
      fault(action);
      try {
        unchangedWhileFaulted(() -> service.database().execute(
            "UPDATE tasks SET deadline = now() - interval '1 second' WHERE id = '" + id + "'"), () -> { });
      } finally {
        service.database().execute("UPDATE tasks SET deadline = now() + interval '1 hour' WHERE id = '" + id + "'");
        clearFaults();
      }
    }
    service.database().execute("UPDATE tasks SET deadline = now() - interval '1 second' WHERE id = '" + id + "'");
    Await.until("the sweeper failed " + id, () -> "cancelled".equals(status(dependent)));
    assertEquals("failed", status(id));
    assertRows(1, "fail_task", id);
    assertRows(1, "cancel_task", dependent);
  }

  private static void reap() {
    String session = session(bob);
    String key = unique("src/reaped");
    assertEquals(200, inSession(bob, session, "/v1/locks/acquire", new JsonObject().put("key", key)).status());
    String task = claimedTask(unique("reaped"), bob, session).getString("id");
    String silence = "UPDATE sessions SET last_heartbeat = now() - interval '1 hour' WHERE id = '" + session + "'";
    for (String action : List.of("reap_session", "release_lock", "requeue_task")) {
      fault(action);
      try {
        unchangedWhileFaulted(() -> service.database().execute(silence), () -> { });
      } finally {
        service.database().execute("UPDATE sessions SET last_heartbeat = now() WHERE id = '" + session + "'");
        clearFaults();
      }
    }
    service.database().execute(silence);
    Await.until("the reaper reaped " + session, () -> "reaped".equals(
        service.database().value("SELECT status FROM sessions WHERE id = ?::uuid", session)));
    assertRows(1, "reap_session", session);
    assertRows(1, "release_lock", key);
    assertRows(1, "requeue_task", task);
  }

  // ---- faults and snapshots -------------------------------------------------------------

  /** Runs {@code request} with audit rows of {@code action} failing; nothing else may change either. */
  private static void faulted(String action, Runnable request) {
    fault(action);
    try {
      unchangedWhileFaulted(() -> { }, request);
    } finally {
      clearFaults();
    }
  }

  private static void fault(String action) {
    service.database().execute("INSERT INTO aud1_faults VALUES ('" + action + "')");
  }

  private static void clearFaults() {
    service.database().execute("DELETE FROM aud1_faults");
  }

  /**
   * Runs {@code setUp} (a change of the test's own that lets the fault be hit: a release a waiter
   * is woken by, a lease made to run out), takes a snapshot, runs {@code request} and waits until
   * the fault has been hit at least once more (the request's, a waiter's, a sweeper's attempt);
   * then every table but the trail's is as it was after the set-up.
   */
  private static void unchangedWhileFaulted(Runnable setUp, Runnable request) {
    long hits = hits();
    setUp.run();
    Map<String, String> before = snapshot();
    request.run();
    Await.until("the audit fault was hit", () -> hits() > hits);
    Map<String, String> after = snapshot();
    List<String> changed = before.keySet().stream().filter(table -> !before.get(table).equals(after.get(table))).toList();
    assertEquals(List.of(), changed, "AUD-1: tables changed although the audit row was not written");
  }

  private static long hits() {
    return (Long) service.database().value("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM aud1_fault_hits");
  }

  /**
   * Every table's content as a hash, but the trail's own (audit_log, its seals), the test's, and
   * the nodes' heartbeats (they tick on their own; no command changes them), and the lines of
   * waiters (a waiting request's own bookkeeping, never audited: a waiter whose attempt hit the
   * fault leaves the line when its request ends, which raced with the snapshot after the fault and
   * failed this test once beside another build): one query.
   */
  private static Map<String, String> snapshot() {
    String hashes = service.database().query("SELECT tablename::text AS name FROM pg_tables"
            + " WHERE schemaname = 'public' AND tablename NOT LIKE 'audit%' AND tablename NOT LIKE 'aud1%'"
            + " AND tablename NOT LIKE 'flyway%' AND tablename NOT IN ('nodes', 'lock_waits', 'claim_waits')"
            + " ORDER BY tablename").stream()
        .map(row -> "SELECT '" + row.get("name") + "' AS name, (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            + " FROM public." + row.get("name") + " t) AS hash")
        .collect(Collectors.joining(" UNION ALL "));
    Map<String, String> tables = new TreeMap<>();
    service.database().query(hashes).forEach(row -> tables.put((String) row.get("name"), (String) row.get("hash")));
    assertTrue(tables.keySet().containsAll(Set.of("locks", "tasks", "sessions", "memories", "handoffs")), tables::toString);
    return tables;
  }

  private static void assertFault(Http.Response response) {
    assertEquals(500, response.status(), response::toString);
    assertEquals("INTERNAL", response.errorCode());
  }

  private static long rows(String action) {
    return (Long) service.database().value("SELECT count(*) FROM audit_log WHERE action = ? AND outcome = 'ok'", action);
  }

  private static void assertRows(long expected, String action, String resource) {
    assertEquals(expected, service.database().value(
        "SELECT count(*) FROM audit_log WHERE action = ? AND resource = ? AND outcome = 'ok'", action, resource),
        "AUD-1: audit rows of " + action + " on " + resource);
  }

  // ---- helpers --------------------------------------------------------------------------

  private static String unique(String prefix) {
    return prefix + "-" + (++serial);
  }

  private static String submitted(JsonObject task) {
    Http.Response response = http.post("/v1/tasks", alice, task);
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("task").getString("id");
  }

  private static String dependent(String on) {
    return submitted(new JsonObject().put("task_type", unique("dependent")).put("description", "d")
        .put("depends_on", new JsonArray().add(on)));
  }

  private static JsonObject claimedTask(String type, String agent, String session) {
    String id = submitted(new JsonObject().put("task_type", type).put("description", "d"));
    JsonObject claim = new JsonObject().put("task_types", new JsonArray().add(type));
    Http.Response response = session == null ? http.post("/v1/tasks/claim", agent, claim)
        : inSession(agent, session, "/v1/tasks/claim", claim);
    JsonObject task = response.json().getJsonObject("task");
    assertEquals(id, task.getString("id"), response::toString);
    return task;
  }

  private static String status(String task) {
    return (String) service.database().value("SELECT status FROM tasks WHERE id = ?::uuid", task);
  }

  private static String session(String agent) {
    Http.Response response = http.post("/v1/sessions", agent, new JsonObject());
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("session").getString("id");
  }

  private static Http.Response inSession(String agent, String session, String path, JsonObject body) {
    return http.send("POST", path, agent, body.encode(), "Coordinator-Session", session);
  }

  private static void awaitGauge(String gauge, long value) {
    Await.gauge(http, gauge, value);
  }

  private static Http.Response join(CompletableFuture<Http.Response> response) {
    try {
      return response.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
