package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Operation;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AUD-1 per mutation, from the audit rows read at the end, matched to the calls by the
 * {@code X-Request-Id} each REST call was sent with (the service files a request's rows under it):
 *
 * <ul>
 *   <li>an acknowledged mutation has exactly one audit row of its own: its action, outcome ok, on
 *       its resource (a session's end or a cancellation may add rows of what they cascade to);
 *   <li>a refused one (it certainly did not happen) has no row of outcome ok at all;
 *   <li>one of unknown outcome has at most one;
 *   <li>no row of outcome ok names a REST client's agent under a request id no call was sent with
 *       (a mutation nobody asked for);
 *   <li>IDEM: the calls repeated with one Idempotency-Key have, together, exactly one row of the
 *       task they were acknowledged (each replay is audited, but as a request, not on the task);
 *   <li>ENF-1: no row of the read-only agent has outcome ok for a mutation.
 * </ul>
 *
 * MCP calls cannot be matched one by one (the service names their request ids itself), so they are
 * counted: per agent, session and action, the rows of outcome ok lie between the acknowledged calls
 * and the acknowledged plus the maybe-happened ones (for the lock and task calls whose rows have
 * no cascades but a session end's). One pass over the rows and one over the operations, with hash
 * lookups: linear in the history.
 */
final class AuditCheck {
  private static final Map<String, String> ACTIONS = Map.ofEntries(Map.entry("acquire", "acquire_lock"),
      Map.entry("release", "release_lock"), Map.entry("renew", "renew_lock"), Map.entry("validate", "validate_fencing_token"),
      Map.entry("submit", "submit_work"), Map.entry("claim", "get_work"), Map.entry("complete", "complete_work"),
      Map.entry("cancel", "cancel_task"), Map.entry("renew_claim", "renew_claim"), Map.entry("open_session", "register_session"),
      Map.entry("heartbeat", "heartbeat"), Map.entry("end_session", "end_session"));
  /** The MCP calls counted per session: their own row is their only row of that action in a request, but for a session end's. */
  private static final Set<String> COUNTED = Set.of("acquire", "release", "renew", "validate", "submit", "claim", "complete",
      "renew_claim");
  static final String REQUEST_ID = "x-request-id";
  private static final String OK = "ok";

  private AuditCheck() {
  }

  static List<Violation> check(List<Operation> operations, FinalState end, CheckSettings settings) {
    if (!end.auditRead()) {
      return List.of();
    }
    Map<String, List<JsonObject>> byRequest = new HashMap<>();
    for (JsonObject row : end.auditRows()) {
      String request = row.getString("request_id");
      if (request != null) {
        byRequest.computeIfAbsent(request, r -> new ArrayList<>(1)).add(row);
      }
    }
    List<Violation> violations = new ArrayList<>();
    Set<String> sent = new HashSet<>();
    Set<String> restAgents = new HashSet<>();
    Map<String, List<Operation>> repeats = new HashMap<>();
    Map<String, long[]> mcpCalls = new HashMap<>();
    for (Operation op : operations) {
      String request = op.args().getString(REQUEST_ID);
      String action = ACTIONS.get(op.op());
      if (request == null && action != null && COUNTED.contains(op.op()) && !op.failed()
          && op.args().getString("transport", "").startsWith("mcp") && op.args().getString("session") != null) {
        long[] range = mcpCalls.computeIfAbsent(counted(op.args().getString("agent"), op.args().getString("session"), action),
            k -> new long[2]);
        range[0] += op.ok() ? 1 : 0;
        range[1]++;
      }
      if (request == null || action == null) {
        continue;
      }
      sent.add(request);
      restAgents.add(op.args().getString("agent"));
      String key = op.args().getString("idempotency-key");
      if (key != null) {
        repeats.computeIfAbsent(op.args().getString("agent") + " " + key, k -> new ArrayList<>(2)).add(op);
        continue;
      }
      List<JsonObject> rows = byRequest.getOrDefault(request, List.of());
      if (op.failed()) {
        rows.stream().filter(row -> OK.equals(row.getString("outcome"))).findFirst().ifPresent(row -> violations.add(
            new Violation("AUD-1", "a refused " + op.op() + " (" + op.error() + ") has an audit row of outcome ok (id "
                + row.getLong("id") + ", " + row.getString("action") + " " + row.getString("resource") + "): " + op,
                List.of(op.id()))));
        continue;
      }
      long own = own(rows, action, resource(op));
      if (op.ok() && own != 1 || op.unknown() && own > 1) {
        violations.add(new Violation("AUD-1", (op.ok() ? "an acknowledged " : "a maybe-happened ") + op.op() + " has " + own
            + " audit rows of its own (" + action + ", ok" + (resource(op) == null ? "" : ", " + resource(op)) + "): " + op,
            List.of(op.id())));
      }
    }
    repeats.values().forEach(group -> idempotency(group, byRequest, violations));
    mcpCounts(mcpCalls, end.auditRows(), byRequest, violations);
    for (JsonObject row : end.auditRows()) {
      String agent = row.getString("agent");
      if (!OK.equals(row.getString("outcome"))) {
        continue;
      }
      if (agent != null && agent.equals(settings.readerAgent()) && ACTIONS.containsValue(row.getString("action"))) {
        violations.add(new Violation("ENF-1", "the read-only agent's " + row.getString("action") + " on "
            + row.getString("resource") + " has outcome ok (audit row " + row.getLong("id") + ")", List.of()));
      } else if (restAgents.contains(agent) && ACTIONS.containsValue(row.getString("action"))
          && row.getString("request_id") != null && !sent.contains(row.getString("request_id"))) {
        violations.add(new Violation("AUD-1", "audit row " + row.getLong("id") + " (" + row.getString("action") + " "
            + row.getString("resource") + " by " + agent + ") names request " + row.getString("request_id")
            + ", which no client sent: a mutation that did not happen", List.of()));
      }
    }
    return violations;
  }

  private static String counted(String agent, String session, String action) {
    return agent + " " + session + " " + action;
  }

  /** Per MCP client's agent, session and action: acknowledged calls ≤ rows of outcome ok ≤ acknowledged + maybe-happened calls. */
  private static void mcpCounts(Map<String, long[]> calls, List<JsonObject> rows, Map<String, List<JsonObject>> byRequest,
                                List<Violation> violations) {
    Set<String> agents = new HashSet<>();
    calls.keySet().forEach(key -> agents.add(key.substring(0, key.indexOf(' '))));
    Map<String, Long> found = new HashMap<>();
    for (JsonObject row : rows) {
      if (OK.equals(row.getString("outcome")) && agents.contains(row.getString("agent")) && row.getString("session_id") != null
          && !endsSession(byRequest.get(row.getString("request_id")))) {
        found.merge(counted(row.getString("agent"), row.getString("session_id"), row.getString("action")), 1L, Long::sum);
      }
    }
    Set<String> keys = new HashSet<>(calls.keySet());
    found.keySet().stream().filter(key -> COUNTED.stream().map(ACTIONS::get).anyMatch(key::endsWith)).forEach(keys::add);
    keys.forEach(key -> {
      long[] range = calls.getOrDefault(key, new long[2]);
      long audited = found.getOrDefault(key, 0L);
      if (audited < range[0] || audited > range[1]) {
        violations.add(new Violation("AUD-1", "MCP calls (agent, session, action) " + key + ": " + range[0] + " acknowledged, "
            + (range[1] - range[0]) + " of unknown outcome, but " + audited + " audit rows of outcome ok", List.of()));
      }
    });
  }

  /** Whether a request's rows include a session end (whose cascaded releases and requeues are not calls of their own). */
  private static boolean endsSession(List<JsonObject> rows) {
    return rows != null && rows.stream().anyMatch(row -> "end_session".equals(row.getString("action")));
  }

  /** Calls repeated with one key acted once: exactly one row on the acknowledged task among all their requests. */
  private static void idempotency(List<Operation> group, Map<String, List<JsonObject>> byRequest, List<Violation> violations) {
    Operation acknowledged = group.stream().filter(Operation::ok).findFirst().orElse(null);
    if (acknowledged == null) {
      return;
    }
    String action = ACTIONS.get(acknowledged.op());
    String resource = resource(acknowledged);
    long rows = group.stream()
        .mapToLong(op -> own(byRequest.getOrDefault(op.args().getString(REQUEST_ID), List.of()), action, resource)).sum();
    if (rows != 1) {
      violations.add(new Violation(rows > 1 ? "IDEM" : "AUD-1", group.size() + " calls with Idempotency-Key "
          + acknowledged.args().getString("idempotency-key") + " have " + rows + " audit rows " + action + " on " + resource
          + (rows > 1 ? ": the key acted more than once" : ": the acknowledged mutation was not audited"),
          group.stream().map(Operation::id).toList()));
    }
  }

  /** The rows of a call's own mutation: its action, outcome ok, on its resource when the call names one. */
  private static long own(List<JsonObject> rows, String action, String resource) {
    return rows.stream().filter(row -> action.equals(row.getString("action")) && OK.equals(row.getString("outcome"))
        && (resource == null || resource.equals(row.getString("resource")))).count();
  }

  /** What a call acts on, as the audit row names it: the lock key, the task; null when the call does not say. */
  private static String resource(Operation op) {
    if (op.args().getString("key") != null) {
      return op.args().getString("key");
    }
    if (op.args().getString("task_id") != null) {
      return op.args().getString("task_id");
    }
    JsonObject task = op.ok() && op.op().equals("submit") ? op.result().getJsonObject("task") : null;
    return task == null ? null : task.getString("id");
  }
}
