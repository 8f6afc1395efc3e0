package dev.coordinator.bus.task;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Builds task commands from request bodies (REST) or tool arguments (MCP): one parser for both. */
public final class TaskRequests {
  public static final int DEFAULT_PRIORITY = 5;
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final int MAX_ATTEMPTS = 100;
  public static final int MIN_LEASE = 10;
  public static final int MAX_LEASE = 86_400;
  public static final int DEFAULT_LEASE = 600;
  public static final int MAX_WAIT_MS = 60_000;
  public static final int MAX_DESCRIPTION = 10_000;
  public static final int MAX_JSON_BYTES = 256 * 1024;
  public static final int MAX_DEPENDENCIES = 100;
  public static final int MAX_TASK_TYPES = 50;
  public static final int MAX_LIST = 500;
  public static final int DEFAULT_LIST = 100;
  public static final Set<String> STATUSES = Set.of("pending", "claimed", "completed", "failed", "cancelled");
  private static final Pattern TASK_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

  private TaskRequests() {
  }

  public static TaskCommand.Submit submit(JsonObject body) {
    return JsonArgs.read(body, args -> new TaskCommand.Submit(
        taskType("task_type", args.requiredString("task_type", 64)),
        nonBlank("description", args.requiredString("description", MAX_DESCRIPTION)),
        args.optionalJson("input", MAX_JSON_BYTES),
        args.intInRange("priority", 1, 10, DEFAULT_PRIORITY),
        ids("depends_on", args.optionalStringList("depends_on", MAX_DEPENDENCIES, 36)),
        args.intInRange("max_attempts", 1, MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS),
        future("deadline", args.optionalInstant("deadline"))));
  }

  public static TaskCommand.Claim claim(JsonObject body) {
    return JsonArgs.read(body, args -> new TaskCommand.Claim(
        taskTypes(args.optionalStringList("task_types", MAX_TASK_TYPES, 64)),
        args.intInRange("lease_seconds", MIN_LEASE, MAX_LEASE, DEFAULT_LEASE),
        args.intInRange("wait_ms", 0, MAX_WAIT_MS, 0)));
  }

  public static TaskCommand.Renew renew(String taskId, JsonObject body) {
    String task = id("task", taskId);
    return JsonArgs.read(body, args -> new TaskCommand.Renew(task,
        id("claim_token", args.requiredString("claim_token", 36)),
        args.optionalInt("lease_seconds", MIN_LEASE, MAX_LEASE)));
  }

  public static TaskCommand.Complete complete(String taskId, JsonObject body) {
    String task = id("task", taskId);
    return JsonArgs.read(body, args -> new TaskCommand.Complete(task,
        id("claim_token", args.requiredString("claim_token", 36)),
        args.requiredBoolean("success"),
        args.optionalJson("result", MAX_JSON_BYTES),
        args.optionalString("error", MAX_DESCRIPTION)));
  }

  public static TaskCommand.Cancel cancel(String taskId, JsonObject body) {
    String task = id("task", taskId);
    return JsonArgs.read(body, args -> new TaskCommand.Cancel(task,
        nonBlank("reason", args.requiredString("reason", 1_000))));
  }

  public static TaskCommand.Get get(String taskId) {
    return new TaskCommand.Get(id("task", taskId));
  }

  public static TaskCommand.ListTasks list(String status, String taskType, String limit) {
    if (status != null && !STATUSES.contains(status)) {
      throw CoordinatorException.invalid("status", "status must be one of " + STATUSES.stream().sorted().toList());
    }
    return new TaskCommand.ListTasks(status, taskType == null ? null : taskType("task_type", taskType),
        JsonArgs.queryInt("limit", limit, 1, MAX_LIST, DEFAULT_LIST));
  }

  private static String taskType(String field, String type) {
    if (!TASK_TYPE.matcher(type).matches()) {
      throw CoordinatorException.invalid(field, field + " must be 1-64 letters, digits or _.:- starting with a letter or digit");
    }
    return type;
  }

  private static List<String> taskTypes(List<String> types) {
    return types == null ? List.of() : types.stream().map(type -> taskType("task_types", type)).distinct().toList();
  }

  /** A deadline already past could only fail the task at once: surely a mistake (a clock, a unit). */
  private static Instant future(String field, Instant time) {
    if (time != null && !time.isAfter(Instant.now())) {
      throw CoordinatorException.invalid(field, field + " " + time + " has already passed");
    }
    return time;
  }

  private static String nonBlank(String field, String text) {
    if (text.isBlank()) {
      throw CoordinatorException.invalid(field, field + " must not be blank");
    }
    return text;
  }

  private static List<String> ids(String field, List<String> ids) {
    return ids == null ? List.of() : ids.stream().map(id -> id(field, id)).distinct().toList();
  }

  /** A task id or claim token: a UUID, in its canonical lower-case form. */
  public static String id(String field, String text) {
    try {
      String canonical = UUID.fromString(text).toString();
      if (canonical.equalsIgnoreCase(text)) {
        return canonical;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw CoordinatorException.invalid(field, field + " must be a task id or token (a UUID)");
  }
}
