package dev.coordinator.task;

import dev.coordinator.bus.task.Task;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** Reads the {@code to_jsonb(task)} documents of {@link TaskSql} into API records. */
final class TaskRows {
  private TaskRows() {
  }

  static Task task(JsonObject row) {
    if (row == null) {
      return null;
    }
    JsonArray dependsOn = row.getJsonArray("depends_on", new JsonArray());
    return new Task(row.getString("id"), row.getString("task_type"), row.getString("description"), row.getValue("input"),
        row.getInteger("priority"), row.getString("status"),
        dependsOn.stream().map(String::valueOf).toList(), row.getString("submitted_by"), row.getString("claimed_by"),
        row.getString("claim_token"), row.getInteger("attempt"), row.getInteger("max_attempts"),
        instant(row, "lease_expires_at"), row.getValue("result"), row.getString("error"), instant(row, "deadline"),
        instant(row, "created_at"), instant(row, "claimed_at"), instant(row, "completed_at"));
  }

  static List<Task> tasks(io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> rows) {
    List<Task> tasks = new java.util.ArrayList<>(rows.size());
    rows.forEach(row -> tasks.add(task(row.getJsonObject("task"))));
    return tasks;
  }

  private static Instant instant(JsonObject row, String field) {
    String text = row.getString(field);
    return text == null ? null : OffsetDateTime.parse(text).toInstant();
  }
}
