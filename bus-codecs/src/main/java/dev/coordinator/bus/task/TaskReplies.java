package dev.coordinator.bus.task;

import dev.coordinator.bus.Payload;
import dev.coordinator.bus.schema.NotShown;
import dev.coordinator.bus.schema.Nullable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The successful answers of the queue verticle, rendered for the agent that asked. */
public final class TaskReplies {
  private TaskReplies() {
  }

  /** One task, or none ({@code get_work} that found nothing): {@code {"task": ...}}. */
  public record One(@Nullable Task task, @NotShown String viewer) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("task", task == null ? null : task.toJson(viewer));
    }
  }

  public record Many(List<Task> tasks, @NotShown String viewer) implements Payload {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("tasks", new JsonArray(tasks.stream().map(task -> task.toJson(viewer)).toList()));
    }
  }
}
