package dev.coordinator.mcp;

import dev.coordinator.api.ReplySchemas;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.audit.AuditRequests;
import dev.coordinator.bus.handoff.HandoffRequests;
import dev.coordinator.bus.lock.LockRequests;
import dev.coordinator.bus.memory.MemoryRequests;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.policy.PolicyRequests;
import dev.coordinator.bus.session.SessionRequests;
import dev.coordinator.bus.task.TaskRequests;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The tools of api.md §6, each building its REST twin's command from the same field names. */
public final class McpTools {
  static final String REQUEST_ID = "request_id";
  static final String HEARTBEAT = "heartbeat";
  private static final String TASK_ID = "task_id";

  private final Map<String, McpTool> tools = new LinkedHashMap<>();

  public McpTools() {
    lockTools();
    taskTools();
    sharingTools();
    policyTools();
  }

  List<McpTool> all() {
    return List.copyOf(tools.values());
  }

  Optional<McpTool> named(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  /** The arguments a tool takes: its REST twin's body (and query) fields, for /openapi.json. */
  public Optional<JsonObject> inputSchema(String name) {
    return named(name).map(tool -> tool.inputSchema().copy());
  }

  private void add(String name, String description, InputSchema schema, java.util.function.Function<JsonObject, Command> build) {
    // A tool is named as its command's action, so the command record says what a success returns.
    Class<?> command = Commands.byName(name).orElseThrow(() -> new IllegalStateException("no command for tool " + name));
    tools.put(name, new McpTool(name, description, schema.toJson(), ReplySchemas.of(command), build));
  }

  private void lockTools() {
    add("acquire_lock", "Take a lock on a file (repo-relative path) or a logical key (api:, db:, event:, flag:, env:,"
        + " contract:, feature:) before you change it. Returns the lock with its fencing_token: pass the token to"
        + " whatever you write, and release the lock when done. Acquiring a lock you already hold refreshes it (same"
        + " token). With wait_ms you wait in line for a held lock instead of failing with LOCK_HELD.",
        InputSchema.object().string("key", true, "what to lock, e.g. src/app/main.py or db:users")
            .integer("ttl_seconds", false, 1, 28_800, "how long the lock lives unless renewed (default 1800)")
            .string("reason", false, "what you are doing, shown to others")
            .integer("wait_ms", false, 0, 60_000, "how long to wait for a held lock (default 0)").idempotent(),
        LockRequests::acquire);
    add("release_lock", "Give back a lock you hold. With fencing_token, only if it is still your current lock.",
        InputSchema.object().string("key", true, "the lock key").integer("fencing_token", false, 1, Long.MAX_VALUE,
            "the token from acquire_lock").idempotent(), LockRequests::release);
    add("renew_lock", "Extend a lock you hold before it expires.",
        InputSchema.object().string("key", true, "the lock key").integer("fencing_token", true, 1, Long.MAX_VALUE,
            "the token from acquire_lock").integer("ttl_seconds", false, 1, 28_800, "new lifetime from now").idempotent(),
        LockRequests::renew);
    add("check_locks", "See who holds which locks: the keys you name, or every live lock.",
        InputSchema.object().strings("keys", "lock keys to look at (none: all live locks)"),
        args -> JsonArgs.read(args, read -> {
          List<String> keys = read.optionalStringList("keys", LockRequests.MAX_CHECK_KEYS, 513);
          return LockRequests.check(keys == null ? List.of() : keys);
        }));
    add("validate_fencing_token", "Check whether a fencing token is still the current one for a lock.",
        InputSchema.object().string("key", true, "the lock key").integer("fencing_token", true, 1, Long.MAX_VALUE,
            "the token to check"), LockRequests::validate);
  }

  private void taskTools() {
    add("submit_work", "Put a task on the shared queue for any agent to pick up.",
        InputSchema.object().string("task_type", true, "the kind of work, e.g. refactor").string("description", true,
            "what to do").anyJson("input", "any JSON value the worker needs (object, array, string, number, boolean or"
            + " null; at most " + TaskRequests.MAX_JSON_BYTES + " bytes encoded); returned as it is in the task's input").integer("priority", false, 1, 10,
            "1 most urgent .. 10 least (default 5)").strings("depends_on", "ids of tasks that must complete first")
            .integer("max_attempts", false, 1, 100, "how often the task may be claimed (default 3)")
            .string("deadline", false, "RFC 3339 time after which the task fails").idempotent(),
        TaskRequests::submit);
    add("get_work", "Claim the most urgent task you can do. You get a claim_token and a lease: complete_work (or"
        + " renew_claim) before the lease runs out, or the task goes back to the queue and your token stops working.",
        InputSchema.object().strings("task_types", "only these kinds of work").integer("lease_seconds", false, 10,
            86_400, "lease length (default 600)").integer("wait_ms", false, 0, 60_000,
            "how long to wait for work to appear (default 0)").idempotent(), TaskRequests::claim);
    add("complete_work", "Finish a task you claimed, once: success with a result, or failure with an error."
        + " STALE_CLAIM means your claim is no longer current and your work does not count.",
        InputSchema.object().string(TASK_ID, true, "the task").string("claim_token", true, "from get_work")
            .bool("success", true, "whether the work succeeded").anyJson("result", "what you produced: any JSON value (object, array,"
            + " string, number, boolean or null; at most " + TaskRequests.MAX_JSON_BYTES + " bytes encoded), shown as"
            + " the task's result")
            .string("error", false, "what went wrong").idempotent(),
        args -> TaskRequests.complete(taskId(args), withoutTaskId(args)));
    add("renew_claim", "Extend the lease of a task you claimed.",
        InputSchema.object().string(TASK_ID, true, "the task").string("claim_token", true, "from get_work")
            .integer("lease_seconds", false, 10, 86_400, "new lease from now").idempotent(),
        args -> TaskRequests.renew(taskId(args), withoutTaskId(args)));
    add("cancel_task", "Cancel a pending or claimed task you submitted (admins: any task); tasks that depend on it are"
        + " cancelled too.", InputSchema.object().string(TASK_ID, true, "the task").string("reason", true, "why")
            .idempotent(), args -> TaskRequests.cancel(taskId(args), withoutTaskId(args)));
    add("get_task", "Read one task.", InputSchema.object().string(TASK_ID, true, "the task"),
        args -> JsonArgs.read(args, read -> TaskRequests.get(read.requiredString(TASK_ID, 64))));
    add("list_tasks", "List tasks, newest first.",
        InputSchema.object().string("status", false, "pending, claimed, completed, failed or cancelled")
            .string("task_type", false, "only this kind").integer("limit", false, 1, 500, "at most this many (100)"),
        args -> JsonArgs.read(args, read -> TaskRequests.list(read.optionalString("status", 16),
            read.optionalString("task_type", 64), text(read.optionalLong("limit", 1, 500)))));
  }

  private void sharingTools() {
    add("write_handoff", "Leave a note for whoever continues your work: a summary and what is done, in progress,"
        + " decided, next, and which files matter.",
        InputSchema.object().string("summary", true, "the state of things").strings("completed_work", "done")
            .strings("in_progress", "started").strings("decisions", "decided, and why").strings("next_steps", "to do")
            .strings("relevant_files", "paths").idempotent(), HandoffRequests::write);
    add("read_handoff", "Read the newest handoffs of an agent (default: your own).",
        InputSchema.object().string("agent", false, "whose").integer("limit", false, 1, 100, "how many (1)"),
        args -> JsonArgs.read(args, read -> HandoffRequests.read(read.optionalString("agent", 128),
            text(read.optionalLong("limit", 1, 100)))));
    add("remember", "Record a lesson others can recall. The same event and summary within an hour is one memory.",
        InputSchema.object().string("event_type", true, "e.g. build_failure").string("summary", true, "what happened")
            .string("details", false, "more").string("outcome", false, "how it ended").strings("lessons", "what to do next time")
            .strings("tags", "for recall").idempotent(), MemoryRequests::remember);
    add("recall", "Recall memories of every agent by tags and/or event type, most relevant first.",
        InputSchema.object().strings("tags", "any of these tags").string("event_type", false, "only this event type")
            .integer("limit", false, 1, 100, "how many (10)"),
        args -> JsonArgs.read(args, read -> {
          List<String> tags = read.optionalStringList("tags", MemoryRequests.MAX_TAGS, 64);
          return MemoryRequests.recall(tags == null ? List.of() : tags, read.optionalString("event_type", 64),
              text(read.optionalLong("limit", 1, 100)));
        }));
    add(HEARTBEAT, "Tell the coordinator you are still working (your connection does this too). Optionally say what"
        + " you are doing now; others see it in discover_agents.",
        InputSchema.object().string("current_task", false, "what you are working on"),
        args -> {
          throw new IllegalStateException("heartbeat is built by the protocol, which knows the session");
        });
    add("discover_agents", "Find agents by capability and presence (active or offline).",
        InputSchema.object().string("capability", false, "e.g. python").string("status", false, "active or offline"),
        args -> JsonArgs.read(args, read -> SessionRequests.discover(read.optionalString("capability", 64),
            read.optionalString("status", 16))));
  }

  private void policyTools() {
    add("get_my_profile", "Who you are to the coordinator: your trust and the actions you may run.",
        InputSchema.object(), args -> JsonArgs.read(args, read -> new PolicyCommand.Profile()));
    add("check_policy", "Would you be allowed an action? A dry run; nothing happens.",
        InputSchema.object().string("action", true, "a tool name, e.g. acquire_lock").string("resource", false, "what on"),
        PolicyRequests::check);
    add("validate_cedar_policy", "Check Cedar policy text against the coordinator's schema.",
        InputSchema.object().string("policy_text", true, "one or more Cedar policies"), PolicyRequests::validate);
    add("check_guardrails", "Check a command or text (and file paths) against the guardrails before you run it.",
        InputSchema.object().string("text", true, "the text or command").strings("file_paths", "paths it touches"),
        PolicyRequests::checkGuardrails);
    add("query_audit", "Read the audit trail: your own entries (admins: anyone's), newest first.",
        InputSchema.object().string("agent", false, "whose (admins)").string("action", false, "which action")
            .string("since", false, "RFC 3339 time").integer("limit", false, 1, 1_000, "how many (100)"),
        args -> JsonArgs.read(args, read -> AuditRequests.query(read.optionalString("agent", 128),
            read.optionalString("action", 128), read.optionalString("since", 64), text(read.optionalLong("limit", 1, 1_000)))));
    add("verify_audit", "Recompute the audit trail's hash chains (admins).", InputSchema.object(),
        args -> JsonArgs.read(args, read -> new AuditCommand.Verify()));
  }

  /** The heartbeat of the connection's own coordinator session. */
  static Command heartbeat(String session, JsonObject args) {
    if (session == null) {
      throw CoordinatorException.invalid("session", "this connection has no coordinator session (it needs write trust)");
    }
    return JsonArgs.read(args, read -> new dev.coordinator.bus.session.SessionCommand.Heartbeat(session,
        read.optionalString("current_task", SessionRequests.MAX_CURRENT_TASK)));
  }

  private static String taskId(JsonObject args) {
    Object id = args.getValue(TASK_ID);
    if (!(id instanceof String text)) {
      throw CoordinatorException.invalid(TASK_ID, TASK_ID + " is required");
    }
    return text;
  }

  private static JsonObject withoutTaskId(JsonObject args) {
    JsonObject rest = args.copy();
    rest.remove(TASK_ID);
    return rest;
  }

  private static String text(Long number) {
    return number == null ? null : number.toString();
  }
}
