package dev.coordinator.task;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.task.Task;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.bus.task.TaskReplies;
import dev.coordinator.domain.SessionEnded;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.UUID;

/** Runs one queue statement for an authorized command and turns its row into a reply. */
final class TaskStore {
  private TaskStore() {
  }

  /** {@code claimTrust}: the trust a claimant needs to pass the guardrails the task's text trips. */
  static Future<Reply> submit(SqlClient client, Authorized authorized, TaskCommand.Submit submit, int claimTrust) {
    Tuple args = context(authorized).addValue(UUID.randomUUID()).addString(submit.taskType())
        .addString(submit.description()).addString(json(submit.input())).addInteger(submit.priority())
        .addArrayOfUUID(submit.dependsOn().stream().map(UUID::fromString).toArray(UUID[]::new))
        .addInteger(submit.maxAttempts())
        .addValue(submit.deadline() == null ? null : submit.deadline().atOffset(ZoneOffset.UTC))
        .addInteger(claimTrust);
    return client.preparedQuery(TaskSql.SUBMIT).execute(args).map(rows -> {
      JsonObject task = rows.iterator().next().getJsonObject("task");
      return task == null
          ? new Reply.Failure(ErrorCode.UNKNOWN_DEPENDENCY, "depends_on names a task that does not exist",
              new JsonObject().put("field", "depends_on"))
          : one(authorized, TaskRows.task(task));
    });
  }

  /** The claimed task, or a null task when nothing is claimable; VALIDATION_FAILED when the caller's session ended. */
  static Future<Reply> claim(SqlClient client, Authorized authorized, TaskCommand.Claim claim) {
    Tuple args = context(authorized).addArrayOfString(claim.taskTypes().toArray(String[]::new))
        .addInteger(claim.leaseSeconds()).addInteger(authorized.scope().bypassTrust());
    return client.preparedQuery(TaskSql.CLAIM).execute(args).map(rows -> {
      Row row = rows.iterator().next();
      if (!row.getBoolean("session_live")) {
        return SessionEnded.refusal(authorized.envelope().sessionId());
      }
      return one(authorized, TaskRows.task(row.getJsonObject("task")));
    });
  }

  static Future<Reply> renew(SqlClient client, Authorized authorized, TaskCommand.Renew renew) {
    Tuple args = context(authorized).addValue(UUID.fromString(renew.taskId())).addValue(UUID.fromString(renew.claimToken()))
        .addInteger(renew.leaseSeconds());
    return client.preparedQuery(TaskSql.RENEW).execute(args).map(rows -> verdict(authorized, rows.iterator().next()));
  }

  static Future<Reply> complete(SqlClient client, Authorized authorized, TaskCommand.Complete complete) {
    Tuple args = context(authorized).addValue(UUID.fromString(complete.taskId()))
        .addValue(UUID.fromString(complete.claimToken())).addBoolean(complete.success())
        .addString(json(complete.result())).addString(complete.error());
    return client.preparedQuery(TaskSql.COMPLETE).execute(args).map(rows -> verdict(authorized, rows.iterator().next()));
  }

  static Future<Reply> cancel(SqlClient client, Authorized authorized, TaskCommand.Cancel cancel) {
    boolean anyone = authorized.scope().others();
    Tuple args = context(authorized).addValue(UUID.fromString(cancel.taskId())).addString(cancel.reason())
        .addBoolean(anyone);
    return client.preparedQuery(TaskSql.CANCEL).execute(args).map(rows -> verdict(authorized, rows.iterator().next()));
  }

  static Future<Reply> get(SqlClient client, Authorized authorized, TaskCommand.Get get) {
    return client.preparedQuery(TaskSql.GET).execute(Tuple.of(UUID.fromString(get.taskId()))).map(rows -> rows.size() == 0
        ? Reply.Failure.of(ErrorCode.NOT_FOUND, "no task " + get.taskId())
        : one(authorized, TaskRows.task(rows.iterator().next().getJsonObject("task"))));
  }

  static Future<Reply> list(SqlClient client, Authorized authorized, TaskCommand.ListTasks list) {
    return client.preparedQuery(TaskSql.LIST).execute(Tuple.of(list.status(), list.taskType(), list.limit()))
        .map(rows -> Reply.success(new TaskReplies.Many(TaskRows.tasks(rows), authorized.principal().id())));
  }

  /** The claim {@code request} starts waiting on node {@code nodeId} for up to {@code waitMs}. */
  static Future<Void> enterWait(SqlClient client, UUID id, ClaimWaiters.Request request, String nodeId, int waitMs) {
    return client.preparedQuery(TaskSql.ENTER_WAIT).execute(Tuple.of(id, request.agentId(), request.sessionId(), nodeId,
        request.requestId(), request.taskTypes().toArray(String[]::new), waitMs)).mapEmpty();
  }

  static Future<Void> leaveWait(SqlClient client, UUID id) {
    return client.preparedQuery(TaskSql.LEAVE_WAIT).execute(Tuple.of(id)).mapEmpty();
  }

  static Reply one(Authorized authorized, Task task) {
    return Reply.success(new TaskReplies.One(task, authorized.principal().id()));
  }

  private static Reply verdict(Authorized authorized, Row row) {
    String error = row.getString("error");
    Task task = TaskRows.task(row.getJsonObject("task"));
    if (error == null || error.equals("REPEAT")) {
      return one(authorized, task);
    }
    ErrorCode code = ErrorCode.valueOf(error);
    String id = task == null ? "" : " " + task.id();
    String message = switch (code) {
      case NOT_FOUND -> "no such task";
      case INVALID_STATE -> "task" + id + " is " + (task == null ? "finished" : task.status()) + "; that cannot change any more";
      case STALE_CLAIM -> "this claim on task" + id + " is no longer current (its lease ran out or the task was claimed again)";
      case NOT_CLAIMANT -> "task" + id + " is not claimed by you";
      case POLICY_DENIED -> "only the submitter of task" + id + " or an agent the policy lets reach others' tasks (by default trust 3) may cancel it";
      default -> code.name();
    };
    JsonObject details = task == null ? new JsonObject() : new JsonObject().put("status", task.status());
    return new Reply.Failure(code, message, details);
  }

  private static String json(Object value) {
    return value == null ? null : Json.encode(value);
  }

  private static Tuple context(Authorized authorized) {
    return AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision());
  }
}
