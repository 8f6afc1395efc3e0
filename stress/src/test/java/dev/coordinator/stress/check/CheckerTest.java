package dev.coordinator.stress.check;

import static dev.coordinator.stress.check.HistoryBuilder.lock;
import static dev.coordinator.stress.check.HistoryBuilder.time;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.stress.history.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** STR-2: the checker catches each kind of violation in a crafted history, and passes the same history without it. */
class CheckerTest {
  private static final CheckSettings SETTINGS = new CheckSettings(Duration.ofMillis(10), 5, 250, "reader");
  private static final String KEY = "src/a.py";

  private static List<String> invariants(HistoryBuilder history) {
    return invariants(history, SETTINGS);
  }

  private static List<String> invariants(HistoryBuilder history, CheckSettings settings) {
    return Checker.check(history.events(), settings).violations().stream().map(Violation::invariant).toList();
  }

  /** A hands over KEY to B: A holds 100..1100 (lease), releases at {@code releaseMs}; B is granted at {@code grantMs}. */
  private static HistoryBuilder handover(long releaseMs, Event.Type releaseOutcome, long grantMs) {
    HistoryBuilder history = new HistoryBuilder();
    history.acquire("a", "sa", KEY, 1, 100, 1100);
    history.release("a", "sa", KEY, releaseMs, releaseOutcome);
    history.acquire("b", "sb", KEY, 2, grantMs, grantMs + 1000);
    return history;
  }

  @Test
  @DisplayName("LOCK-1: a grant inside another holder's lease is caught; the same grant after the release passes")
  void overlappingHoldersAreCaught() {
    assertEquals(List.of("LOCK-1"), invariants(handover(800, Event.Type.OK, 500).end(5000)));
    assertEquals(List.of(), invariants(handover(400, Event.Type.OK, 500).end(5000)));
  }

  @Test
  @DisplayName("LOCK-1: a release whose outcome is unknown may have acted, so a grant after its invocation is no violation")
  void unknownReleaseMayHaveActed() {
    assertEquals(List.of(), invariants(handover(400, Event.Type.INFO, 500).end(5000)));
    assertEquals(List.of(), invariants(handover(400, null, 500).end(5000)));
  }

  @Test
  @DisplayName("LOCK-2: an acknowledged release ends the grant its holder knew of, not the one it took right after")
  void releaseEndsTheGrantItsHolderKnew() {
    HistoryBuilder history = new HistoryBuilder();
    history.acquire("a", "sa", KEY, 1, 100, 1100);
    history.release("a", "sa", KEY, 300, Event.Type.OK);
    // Sent after the release's answer (at 305), stamped and answered within the clock uncertainty of it.
    history.op("a", "acquire", HistoryBuilder.args("a", "sa").put("key", KEY), 306, Event.Type.OK, 312,
        new JsonObject().put("lock", lock(KEY, "a", "sa", 2, 308, 1308)).put("action", "acquired"), null);
    assertEquals(List.of(), invariants(history.end(5000)));
  }

  @Test
  @DisplayName("LOCK-1: a server timestamp is compared with a client time only beyond the clock uncertainty")
  void clockUncertaintyIsAllowedAndNoMore() {
    // B's grant is stamped 5 ms before A's release was sent: within 10 ms of uncertainty, not beyond 0 ms.
    assertEquals(List.of(), invariants(handover(505, Event.Type.OK, 500).end(5000)));
    assertEquals(List.of("LOCK-1"), invariants(handover(505, Event.Type.OK, 500).end(5000),
        new CheckSettings(Duration.ZERO, 5, 250, "reader")));
  }

  @Test
  @DisplayName("LOCK-1: the earliest possible reap of the holder's silent session ends its hold")
  void reapBoundEndsAHold() {
    HistoryBuilder history = new HistoryBuilder();
    history.op("a", "open_session", new JsonObject().put("agent", "a"), 0, Event.Type.OK, 5,
        new JsonObject().put("session", new JsonObject().put("id", "sa")), null);
    history.acquire("a", "sa", KEY, 1, 100, 60_000);
    history.acquire("b", "sb", KEY, 2, 5_100, 6_000);
    assertEquals(List.of(), invariants(history.end(10_000)), "timeout 5 s after the open: a reap at 5 s was possible");
    HistoryBuilder early = new HistoryBuilder();
    early.op("a", "open_session", new JsonObject().put("agent", "a"), 0, Event.Type.OK, 5,
        new JsonObject().put("session", new JsonObject().put("id", "sa")), null);
    early.acquire("a", "sa", KEY, 1, 100, 60_000);
    early.acquire("b", "sb", KEY, 2, 3_000, 6_000);
    assertEquals(List.of("LOCK-1"), invariants(early.end(10_000)));
  }

  @Test
  @DisplayName("LOCK-2: a fencing token that does not rise with the next holder is caught")
  void tokensMustRise() {
    HistoryBuilder history = new HistoryBuilder();
    history.acquire("a", "sa", KEY, 7, 100, 300);
    history.acquire("b", "sb", KEY, 3, 400, 600);
    assertEquals(List.of("LOCK-2"), invariants(history.end(5000)));
  }

  @Test
  @DisplayName("LOCK-2: validate accepting a token after a newer grant was acknowledged is caught")
  void staleTokenValidated() {
    HistoryBuilder history = new HistoryBuilder();
    history.acquire("a", "sa", KEY, 1, 100, 300);
    history.acquire("b", "sb", KEY, 2, 400, 900);
    history.op("a", "validate", HistoryBuilder.args("a", "sa").put("key", KEY).put("fencing_token", 1), 500, Event.Type.OK, 505,
        new JsonObject().put("valid", true), null);
    assertEquals(List.of("LOCK-2"), invariants(history.end(5000)));
  }

  @Test
  @DisplayName("LOCK-3: the protected resource accepting an older holder's write after a newer holder's is caught")
  void staleWriteAccepted() {
    HistoryBuilder history = new HistoryBuilder();
    history.acquire("a", "sa", KEY, 5, 100, 300);
    history.acquire("b", "sb", KEY, 6, 400, 900);
    history.write("b", KEY, 6, 450, true, 1);
    history.write("a", KEY, 5, 460, true, 2);
    assertEquals(List.of("LOCK-3"), invariants(history.end(5000)));
    HistoryBuilder refused = new HistoryBuilder();
    refused.acquire("a", "sa", KEY, 5, 100, 300);
    refused.acquire("b", "sb", KEY, 6, 400, 900);
    refused.write("b", KEY, 6, 450, true, 1);
    refused.write("a", KEY, 5, 460, false, 0);
    assertEquals(List.of(), invariants(refused.end(5000)));
  }

  private static JsonObject finalTask(String id, String status, long completedMs, String... dependsOn) {
    return new JsonObject().put("id", id).put("status", status).put("completed_at", completedMs < 0 ? null : time(completedMs))
        .put("result", "completed".equals(status) ? new JsonObject().put("by", "w") : null)
        .put("depends_on", new JsonArray(List.of((Object[]) dependsOn)));
  }

  @Test
  @DisplayName("TASK-1: a second claim inside the first claim's lease is caught")
  void overlappingClaims() {
    HistoryBuilder history = new HistoryBuilder();
    history.submit("p", "t1", 0);
    history.claim("w1", "s1", "t1", "c1", 100, 10_100);
    history.claim("w2", "s2", "t1", "c2", 5_000, 15_000);
    assertEquals(List.of("TASK-1"), invariants(history.end(20_000, List.of(), List.of(finalTask("t1", "pending", -1)), true)));
  }

  @Test
  @DisplayName("TASK-2 and TASK-3: a task completed under a stale claim, after a newer claim, twice, is caught")
  void staleAndDoubleCompletion() {
    HistoryBuilder history = new HistoryBuilder();
    history.submit("p", "t1", 0);
    history.claim("w1", "s1", "t1", "c1", 100, 1_100);
    history.claim("w2", "s2", "t1", "c2", 1_500, 11_500);
    history.complete("w2", "s2", "t1", "c2", 1_600, 1_610);
    history.complete("w1", "s1", "t1", "c1", 2_000, 2_010);
    List<String> found = invariants(history.end(20_000, List.of(), List.of(finalTask("t1", "completed", 1_610)), true));
    assertTrue(found.contains("TASK-2") && found.contains("TASK-3"), found::toString);
  }

  @Test
  @DisplayName("TASK-4: a task claimed before its dependency completed is caught")
  void dependencyOrder() {
    HistoryBuilder history = new HistoryBuilder();
    history.submit("p", "t1", 0);
    history.submit("p", "t2", 10, "t1");
    history.claim("w1", "s1", "t2", "c2", 100, 10_100);
    List<JsonObject> end = List.of(finalTask("t1", "completed", 500), finalTask("t2", "pending", -1, "t1"));
    assertEquals(List.of("TASK-4"), invariants(history.end(20_000, List.of(), end, true)));
  }

  @Test
  @DisplayName("TASK-5: an acknowledged submit missing at the end, and a task still claimed after every session ended, are caught")
  void lostAndStrandedTasks() {
    HistoryBuilder history = new HistoryBuilder();
    history.submit("p", "t1", 0);
    history.submit("p", "t2", 10);
    history.end(20_000, List.of(), List.of(finalTask("t2", "claimed", -1)), true);
    history.op(FinalState.PROCESS, "read_task", new JsonObject().put("task_id", "t1"), 20_010, Event.Type.FAIL, 20_011,
        new JsonObject(), "NOT_FOUND");
    assertEquals(List.of("TASK-5", "TASK-5"), invariants(history));
  }

  @Test
  @DisplayName("LOCK-4: a lock still held after every session ended, and a grant in an ended session, are caught")
  void heldAfterSessionsEnded() {
    HistoryBuilder history = new HistoryBuilder();
    history.op("a", "end_session", HistoryBuilder.args("a", "sa"), 50, Event.Type.OK, 60, new JsonObject(), null);
    history.acquire("a", "sa", KEY, 1, 100, 60_000);
    List<String> found = invariants(history.end(20_000, List.of(lock(KEY, "a", "sa", 1, 100, 60_000)), List.of(), true));
    assertEquals(List.of("LOCK-4", "LOCK-4"), found);
  }

  @Test
  @DisplayName("ENF-1, IDEM, AUD-2: a reader's acknowledged mutation, a key that acted twice, a chain that does not verify")
  void enforcementIdempotencyAudit() {
    HistoryBuilder history = new HistoryBuilder();
    history.acquire("reader", null, KEY, 1, 100, 200);
    history.op("p", "submit", HistoryBuilder.args("p", null).put("idempotency-key", "k1"), 300, Event.Type.OK, 305,
        new JsonObject().put("task", new JsonObject().put("id", "t1")), null);
    history.op("p", "submit", HistoryBuilder.args("p", null).put("idempotency-key", "k1"), 310, Event.Type.OK, 315,
        new JsonObject().put("task", new JsonObject().put("id", "t2")), null);
    List<JsonObject> tasks = List.of(finalTask("t1", "pending", -1), finalTask("t2", "pending", -1));
    assertEquals(List.of("ENF-1", "IDEM", "AUD-2"), invariants(history.end(20_000, List.of(), tasks, false)));
  }

  /** A REST call of agent {@code a} sent with request id {@code request}, completed as {@code outcome}. */
  private static long restCall(HistoryBuilder history, String op, String request, JsonObject args, long atMs, Event.Type outcome,
                               JsonObject result) {
    return history.op("a", op, HistoryBuilder.args("a", "sa").put("x-request-id", request).mergeIn(args), atMs, outcome,
        atMs + 5, result, outcome == Event.Type.FAIL ? "LOCK_HELD" : null);
  }

  /** One acquire of KEY, completed as {@code outcome}, and the given audit rows. */
  private static List<String> acquireAudited(Event.Type outcome, JsonObject... rows) {
    HistoryBuilder history = new HistoryBuilder();
    restCall(history, "acquire", "c0-1", new JsonObject().put("key", KEY), 100, outcome, outcome == Event.Type.OK
        ? new JsonObject().put("lock", lock(KEY, "a", "sa", 1, 102, 60_000)).put("action", "acquired") : new JsonObject());
    history.end(20_000);
    return invariants(history.audit(20_010, rows));
  }

  @Test
  @DisplayName("AUD-1: an acknowledged mutation with no audit row of its own, or with two, is caught; with exactly one it passes")
  void acknowledgedMutationHasExactlyOneAuditRow() {
    JsonObject own = HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", KEY, "ok");
    assertEquals(List.of(), acquireAudited(Event.Type.OK, own));
    assertEquals(List.of("AUD-1"), acquireAudited(Event.Type.OK));
    assertEquals(List.of("AUD-1"), acquireAudited(Event.Type.OK, HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", "other", "ok")),
        "a row on another key is not the acquire's");
    assertEquals(List.of("AUD-1"), acquireAudited(Event.Type.OK, own, HistoryBuilder.row(2, "a", "c0-1", "acquire_lock", KEY, "ok")));
  }

  @Test
  @DisplayName("AUD-1: a refused mutation with an audit row of outcome ok is caught; its refusal's own row passes")
  void refusedMutationLeavesNoOkRow() {
    assertEquals(List.of(), acquireAudited(Event.Type.FAIL, HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", KEY, "error")));
    assertEquals(List.of("AUD-1"), acquireAudited(Event.Type.FAIL, HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", KEY, "ok")));
  }

  @Test
  @DisplayName("AUD-1: a mutation of unknown outcome may have one audit row or none, not two")
  void maybeHappenedMutationHasAtMostOneRow() {
    JsonObject own = HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", KEY, "ok");
    assertEquals(List.of(), acquireAudited(Event.Type.INFO));
    assertEquals(List.of(), acquireAudited(Event.Type.INFO, own));
    assertEquals(List.of("AUD-1"), acquireAudited(Event.Type.INFO, own, HistoryBuilder.row(2, "a", "c0-1", "acquire_lock", KEY, "ok")));
  }

  @Test
  @DisplayName("AUD-1: an audit row of outcome ok for a REST client's request that was never sent (a mutation that did not happen) is caught")
  void auditRowWithoutRequestIsCaught() {
    JsonObject own = HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", KEY, "ok");
    assertEquals(List.of("AUD-1"), acquireAudited(Event.Type.OK, own, HistoryBuilder.row(2, "a", "c0-99", "release_lock", KEY, "ok")));
    assertEquals(List.of(), acquireAudited(Event.Type.OK, own, HistoryBuilder.row(2, "system", "system-1", "release_lock", KEY, "ok")),
        "the reaper's rows are the system's");
  }

  /** Two submits with one Idempotency-Key, both acknowledged task t1, and the given audit rows. */
  private static List<String> repeatedSubmit(JsonObject... rows) {
    HistoryBuilder history = new HistoryBuilder();
    JsonObject task = new JsonObject().put("task", new JsonObject().put("id", "t1").put("status", "pending"));
    restCall(history, "submit", "c0-1", new JsonObject().put("idempotency-key", "k1"), 100, Event.Type.OK, task);
    restCall(history, "submit", "c0-2", new JsonObject().put("idempotency-key", "k1"), 200, Event.Type.OK, task);
    history.end(20_000, List.of(), List.of(finalTask("t1", "pending", -1)), true);
    return invariants(history.audit(20_010, rows));
  }

  @Test
  @DisplayName("IDEM: calls repeated with one Idempotency-Key that left two audit rows on the task acted twice; one row (and the replay's own request row) passes")
  void repeatedKeyActedOnceInTheAuditTrail() {
    JsonObject first = HistoryBuilder.row(1, "a", "c0-1", "submit_work", "t1", "ok");
    assertEquals(List.of(), repeatedSubmit(first, HistoryBuilder.row(2, "a", "c0-2", "submit_work", "stress", "ok")));
    assertEquals(List.of("IDEM"), repeatedSubmit(first, HistoryBuilder.row(2, "a", "c0-2", "submit_work", "t1", "ok")));
    assertEquals(List.of("AUD-1"), repeatedSubmit(HistoryBuilder.row(2, "a", "c0-2", "submit_work", "stress", "ok")));
  }

  @Test
  @DisplayName("ENF-1: an audit row of outcome ok for a mutation of the read-only agent is caught; its denials pass")
  void readerMutationInTheAuditTrail() {
    JsonObject own = HistoryBuilder.row(1, "a", "c0-1", "acquire_lock", KEY, "ok");
    assertEquals(List.of(), acquireAudited(Event.Type.OK, own, HistoryBuilder.row(2, "reader", "r-1", "submit_work", "stress", "denied")));
    assertEquals(List.of("ENF-1"), acquireAudited(Event.Type.OK, own, HistoryBuilder.row(2, "reader", "r-1", "submit_work", "t9", "ok")));
  }

  /** An MCP acquire of agent a in session sa (no request id of the client's), completed as {@code outcome}, and the audit rows. */
  private static List<String> mcpAcquireAudited(Event.Type outcome, JsonObject... rows) {
    HistoryBuilder history = new HistoryBuilder();
    history.op("a", "acquire", HistoryBuilder.args("a", "sa").put("key", KEY).put("transport", "mcp"), 100, outcome, 105,
        outcome == Event.Type.OK ? new JsonObject().put("lock", lock(KEY, "a", "sa", 1, 102, 60_000)).put("action", "acquired")
            : new JsonObject(), null);
    return invariants(history.end(20_000).audit(20_010, rows));
  }

  private static JsonObject mcpRow(long id, String request, String action) {
    return HistoryBuilder.row(id, "a", request, action, KEY, "ok").put("session_id", "sa");
  }

  @Test
  @DisplayName("AUD-1: MCP calls are counted per agent, session and action: an acknowledged acquire without a row, or a row too many, is caught")
  void mcpCallsAreCountedAgainstTheAuditTrail() {
    assertEquals(List.of(), mcpAcquireAudited(Event.Type.OK, mcpRow(1, "mcp-1", "acquire_lock")));
    assertEquals(List.of("AUD-1"), mcpAcquireAudited(Event.Type.OK));
    assertEquals(List.of("AUD-1"), mcpAcquireAudited(Event.Type.OK, mcpRow(1, "mcp-1", "acquire_lock"),
        mcpRow(2, "mcp-2", "acquire_lock")));
    assertEquals(List.of(), mcpAcquireAudited(Event.Type.INFO), "a maybe-happened acquire may have no row");
    assertEquals(List.of(), mcpAcquireAudited(Event.Type.OK, mcpRow(1, "mcp-1", "acquire_lock"), mcpRow(2, "mcp-2", "end_session"),
        mcpRow(3, "mcp-2", "release_lock")), "a session end's cascaded release is not a call of its own");
    assertEquals(List.of("AUD-1"), mcpAcquireAudited(Event.Type.OK, mcpRow(1, "mcp-1", "acquire_lock"),
        mcpRow(3, "mcp-3", "release_lock")), "a release nobody called");
  }
}
