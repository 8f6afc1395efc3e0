package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Operation;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks on sessions, enforcement, idempotency and the audit chain.
 *
 * <ul>
 *   <li>LOCK-4: no lock or claim is acknowledged in a session after its end was acknowledged, and at
 *       the end (every session ended, the reap bound passed) no lock is held at all.
 *   <li>ENF-1: no mutation of the read-only agent was acknowledged, and nothing at the end is its.
 *   <li>IDEM: requests repeated with one Idempotency-Key acted once (the same task for every
 *       acknowledged repeat).
 *   <li>AUD-2: the service's verification of the audit chain, asked at the end, says ok.
 * </ul>
 */
final class EndCheck {
  private static final Set<String> MUTATIONS = Set.of("acquire", "submit", "claim", "renew", "release", "complete", "cancel");

  private EndCheck() {
  }

  static List<Violation> check(List<Operation> operations, Sessions sessions, FinalState end, CheckSettings settings) {
    List<Violation> violations = new ArrayList<>();
    Map<String, Operation> firstByKey = new HashMap<>();
    for (Operation op : operations) {
      if (!op.ok()) {
        continue;
      }
      String session = op.args().getString("session");
      if (session != null && (op.op().equals("acquire") || op.op().equals("claim"))) {
        Instant ended = sessions.certainlyEnded(session);
        if (ended != null && ended.isBefore(op.invokedAt())) {
          violations.add(new Violation(op.op().equals("acquire") ? "LOCK-4" : "TASK-5",
              op.op() + " acknowledged in session " + session + " after its end was acknowledged: " + op,
              List.of(sessions.endOp(session), op.id())));
        }
      }
      if (settings.readerAgent() != null && settings.readerAgent().equals(op.args().getString("agent"))
          && MUTATIONS.contains(op.op())) {
        violations.add(new Violation("ENF-1", "a mutation of the read-only agent was acknowledged: " + op, List.of(op.id())));
      }
      String key = op.args().getString("idempotency-key");
      if (key != null && op.op().equals("submit")) {
        Operation first = firstByKey.putIfAbsent(op.args().getString("agent") + " " + key, op);
        String id = op.result().getJsonObject("task").getString("id");
        if (first != null && !first.result().getJsonObject("task").getString("id").equals(id)) {
          violations.add(new Violation("IDEM", "Idempotency-Key " + key + " acted twice: tasks "
              + first.result().getJsonObject("task").getString("id") + " and " + id, List.of(first.id(), op.id())));
        }
      }
    }
    if (end.locks() == null) {
      violations.add(new Violation("LOCK-4", "the live locks could not be read at the end: " + end.locksRead(), List.of()));
    } else {
      for (Object held : end.locks()) {
        JsonObject lock = (JsonObject) held;
        boolean reader = lock.getString("holder").equals(settings.readerAgent());
        violations.add(new Violation(reader ? "ENF-1" : "LOCK-4", "lock " + lock.getString("key") + " is still held by "
            + lock.getString("holder") + " in session " + lock.getString("session_id") + " (token "
            + lock.getLong("fencing_token") + ") at " + end.locksReadAt() + ", after every session ended or was reaped",
            List.of(end.locksRead().id())));
      }
    }
    end.tasks().forEach((id, task) -> {
      if (task != null && settings.readerAgent() != null && settings.readerAgent().equals(task.getString("submitted_by"))) {
        violations.add(new Violation("ENF-1", "task " + id + " was submitted by the read-only agent", List.of()));
      }
    });
    Operation audit = end.audit();
    if (audit == null || !audit.ok() || !audit.result().getBoolean("ok", false)) {
      violations.add(new Violation("AUD-2", "the audit chain did not verify at the end: " + audit,
          audit == null ? List.of() : List.of(audit.id())));
    }
    return violations;
  }
}
