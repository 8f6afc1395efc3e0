package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Operation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The service's state at the end, as read by the harness after the clients stopped (operations of
 * process {@value #PROCESS} in the history): the live locks, every task the history names, the
 * audit chain's verification and the audit rows.
 */
public final class FinalState {
  public static final String PROCESS = "final";

  private final Map<String, JsonObject> tasks = new LinkedHashMap<>();
  private final Set<String> missing = new HashSet<>();
  private JsonArray locks;
  private Instant locksReadAt;
  private Operation locksRead;
  private Operation audit;
  private final List<JsonObject> auditRows = new ArrayList<>();
  private boolean auditRead;

  FinalState(List<Operation> operations) {
    for (Operation op : operations) {
      if (!op.process().equals(PROCESS)) {
        continue;
      }
      switch (op.op()) {
        case "read_locks" -> {
          locksRead = op;
          if (op.ok()) {
            locks = op.result().getJsonArray("locks");
            locksReadAt = op.invokedAt();
          }
        }
        case "read_task" -> {
          if (op.ok()) {
            tasks.put(op.args().getString("task_id"), op.result().getJsonObject("task"));
          } else if ("NOT_FOUND".equals(op.error())) {
            missing.add(op.args().getString("task_id"));
          }
        }
        case "verify_audit" -> audit = op;
        case "read_audit" -> {
          if (op.ok()) {
            auditRead = true;
            op.result().getJsonArray("rows").forEach(row -> auditRows.add((JsonObject) row));
          }
        }
        default -> {
          // nothing else is read at the end
        }
      }
    }
  }

  JsonObject task(String id) {
    return tasks.get(id);
  }

  Map<String, JsonObject> tasks() {
    return tasks;
  }

  boolean missing(String id) {
    return missing.contains(id);
  }

  /** The live locks at the end, or null when they could not be read. */
  JsonArray locks() {
    return locks;
  }

  Instant locksReadAt() {
    return locksReadAt;
  }

  Operation locksRead() {
    return locksRead;
  }

  Operation audit() {
    return audit;
  }

  /** Whether the whole audit trail was read at the end (it is not without access to the database). */
  boolean auditRead() {
    return auditRead;
  }

  /** The audit rows, in id order: {@code id, agent, session_id, request_id, action, resource, decision, outcome}. */
  List<JsonObject> auditRows() {
    return auditRows;
  }
}
