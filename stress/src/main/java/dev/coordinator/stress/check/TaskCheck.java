package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Operation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * TASK-1..5 over the history and the final read of every task ({@link FinalState}).
 *
 * <ul>
 *   <li>TASK-1: one claim token per claim; no two claims of a task certainly overlap ({@link Holding}:
 *       from {@code claimed_at} to the latest acknowledged {@code lease_expires_at}, cut at any
 *       completion, cancellation or session end that may have acted, and at the earliest reap).
 *   <li>TASK-2: a task reaches a terminal status once: at most one acknowledged terminal transition
 *       (completions under different claim tokens, cancellations), and the final read shows it
 *       (status and result unchanged).
 *   <li>TASK-3: an acknowledged completion's claim was current: no other claim of the task started
 *       between it and the completion ({@code claimed_at} and {@code completed_at}, server clock).
 *   <li>TASK-4: a claimed task's dependencies all ended {@code completed}, before the claim was
 *       answered ({@code completed_at} before the claim's answer + ε). Not before {@code claimed_at}:
 *       both are {@code now()}, the start of their transactions, and a claim whose transaction
 *       started first may still read the dependency completed (seen in a 22 min run: a claim
 *       stamped 3.6 ms before its dependency's completion); a task with a failed or cancelled
 *       dependency ends cancelled or failed.
 *   <li>TASK-5: every acknowledged submit is found at the end, and every task ends terminal or
 *       pending (the clients ended their sessions and waited out the reap, so nothing is claimed).
 * </ul>
 */
final class TaskCheck {
  private static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled");

  private final Map<String, Map<String, Holding>> claims = new LinkedHashMap<>();
  private final List<Violation> violations = new ArrayList<>();
  private final Duration uncertainty;

  private TaskCheck(Duration uncertainty) {
    this.uncertainty = uncertainty;
  }

  static List<Violation> check(List<Operation> operations, Sessions sessions, FinalState end, CheckSettings settings) {
    TaskCheck check = new TaskCheck(settings.clockUncertainty());
    operations.stream().filter(Operation::ok).forEach(check::claim);
    operations.stream().filter(op -> op.ok() || op.unknown()).forEach(check::cut);
    check.claims.values().forEach(byToken -> byToken.values().forEach(sessions::cut));
    check.claims.forEach(check::exclusion);
    check.terminal(operations, end);
    check.dependencies(end);
    check.survival(operations, end);
    return check.violations;
  }

  private void claim(Operation op) {
    JsonObject task = op.result().getJsonObject("task");
    if (task == null || !(op.op().equals("claim") || op.op().equals("renew_claim"))) {
      return;
    }
    String id = task.getString("id");
    String token = op.op().equals("claim") ? task.getString("claim_token") : op.args().getString("claim_token");
    Instant claimed = Instant.parse(task.getString("claimed_at"));
    Instant lease = Instant.parse(task.getString("lease_expires_at"));
    Holding known = claims.computeIfAbsent(id, k -> new LinkedHashMap<>()).get(token);
    if (known == null) {
      claims.get(id).put(token, new Holding(id, token, op.args().getString("agent"), op.args().getString("session"), claimed,
          lease, op.id(), op.completedAt()));
    } else if (op.op().equals("claim")) {
      violations.add(new Violation("TASK-1", "task " + id + ": claim token " + token + " was handed out twice: " + known,
          List.of(known.opId, op.id())));
    } else {
      known.extend(lease, op.completedAt());
    }
  }

  /** A completion or cancellation that may have acted ends the claim(s) it could have ended. */
  private void cut(Operation op) {
    if (!op.op().equals("complete") && !op.op().equals("cancel")) {
      return;
    }
    Map<String, Holding> byToken = claims.getOrDefault(op.args().getString("task_id"), Map.of());
    Instant at = op.invokedAt().minus(uncertainty);
    if (op.op().equals("cancel")) {
      byToken.values().forEach(h -> h.cut(at));
    } else {
      Holding claim = byToken.get(op.args().getString("claim_token"));
      if (claim != null) {
        claim.cut(at);
      }
    }
  }

  private void exclusion(String id, Map<String, Holding> byToken) {
    for (Holding.Overlap overlap : Holding.overlaps(new ArrayList<>(byToken.values()))) {
      violations.add(new Violation("TASK-1", "task " + id + " claimed twice at once: " + overlap.earlier() + "; then "
          + overlap.later(), List.of(overlap.earlier().opId, overlap.later().opId)));
    }
  }

  private void terminal(List<Operation> operations, FinalState end) {
    Map<String, Map<String, Operation>> transitions = new LinkedHashMap<>();
    for (Operation op : operations) {
      if (op.ok() && (op.op().equals("complete") || op.op().equals("cancel"))) {
        String which = op.op().equals("complete") ? "complete " + op.args().getString("claim_token") : "cancel #" + op.id();
        transitions.computeIfAbsent(op.args().getString("task_id"), k -> new LinkedHashMap<>()).putIfAbsent(which, op);
      }
    }
    transitions.forEach((id, acknowledged) -> {
      List<Operation> ops = new ArrayList<>(acknowledged.values());
      if (ops.size() > 1) {
        violations.add(new Violation("TASK-2", "task " + id + " reached a terminal status " + ops.size() + " times: " + ops,
            ops.stream().map(Operation::id).toList()));
      }
      Operation first = ops.get(0);
      JsonObject said = first.result().getJsonObject("task", new JsonObject());
      JsonObject last = end.task(id);
      if (last != null && (!said.getString("status", "").equals(last.getString("status"))
          || !Objects.equals(said.getValue("result"), last.getValue("result")))) {
        violations.add(new Violation("TASK-2", "task " + id + " was acknowledged " + said.getString("status") + " with result "
            + said.getValue("result") + " but ended " + last.getString("status") + " with result " + last.getValue("result"),
            List.of(first.id())));
      }
      for (Operation op : ops) {
        if (op.op().equals("complete")) {
          staleCompletion(id, op, op.result().getJsonObject("task", new JsonObject()));
        }
      }
    });
  }

  private void staleCompletion(String id, Operation completion, JsonObject task) {
    Holding claim = claims.getOrDefault(id, Map.of()).get(completion.args().getString("claim_token"));
    String completedAt = task.getString("completed_at");
    if (claim == null || completedAt == null) {
      return;
    }
    Instant completed = Instant.parse(completedAt);
    for (Holding other : claims.get(id).values()) {
      if (other != claim && other.start.isAfter(claim.start) && other.start.isBefore(completed)) {
        violations.add(new Violation("TASK-3", "task " + id + " was completed at " + completed + " under the stale claim "
            + claim + ", after the newer claim " + other, List.of(claim.opId, other.opId, completion.id())));
      }
    }
  }

  private void dependencies(FinalState end) {
    claims.forEach((id, byToken) -> {
      JsonObject task = end.task(id);
      if (task == null) {
        return;
      }
      for (Object dependency : task.getJsonArray("depends_on", new JsonArray())) {
        JsonObject before = end.task(String.valueOf(dependency));
        for (Holding claim : byToken.values()) {
          boolean done = before != null && "completed".equals(before.getString("status"))
              && before.getString("completed_at") != null
              && Instant.parse(before.getString("completed_at")).isBefore(claim.knownAt.plus(uncertainty));
          if (!done) {
            violations.add(new Violation("TASK-4", "task " + id + " was claimed at " + claim.start + " but its dependency "
                + dependency + " ended " + (before == null ? "unknown" : before.getString("status") + " at "
                + before.getString("completed_at")), List.of(claim.opId)));
          }
        }
      }
    });
    end.tasks().forEach((id, task) -> {
      for (Object dependency : task.getJsonArray("depends_on", new JsonArray())) {
        JsonObject before = end.task(String.valueOf(dependency));
        boolean doomed = before != null && Set.of("failed", "cancelled").contains(before.getString("status"));
        if (doomed && !Set.of("failed", "cancelled").contains(task.getString("status"))) {
          violations.add(new Violation("TASK-4", "task " + id + " ended " + task.getString("status") + " though its dependency "
              + dependency + " ended " + before.getString("status"), List.of()));
        }
      }
    });
  }

  private void survival(List<Operation> operations, FinalState end) {
    Set<String> acknowledged = new LinkedHashSet<>();
    Map<String, Long> submitOps = new HashMap<>();
    for (Operation op : operations) {
      if (op.op().equals("submit") && op.ok()) {
        String id = op.result().getJsonObject("task").getString("id");
        acknowledged.add(id);
        submitOps.putIfAbsent(id, op.id());
      }
    }
    for (String id : acknowledged) {
      JsonObject task = end.task(id);
      if (end.missing(id)) {
        violations.add(new Violation("TASK-5", "acknowledged submit of task " + id + " was lost (not found at the end)",
            List.of(submitOps.get(id))));
      } else if (task != null && !TERMINAL.contains(task.getString("status")) && !"pending".equals(task.getString("status"))) {
        violations.add(new Violation("TASK-5", "task " + id + " ended " + task.getString("status") + " (claimed by "
            + task.getString("claimed_by") + ", lease until " + task.getString("lease_expires_at")
            + ") though every session had ended and the reap bound had passed", List.of(submitOps.get(id))));
      }
    }
  }
}
