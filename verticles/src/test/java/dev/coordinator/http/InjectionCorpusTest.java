package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.handoff.HandoffRequests;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.lock.LockRequests;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.memory.MemoryRequests;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.session.SessionRequests;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.bus.task.TaskRequests;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DB-2: the injection corpus ({@code db2-injection-corpus.json}) sent through every free-text
 * field of every command, over REST and, where a tool takes the field, MCP. Stored text comes
 * back exactly as sent, from the answer and from the database; text that is refused is refused
 * with a documented code ({@code VALIDATION_FAILED} for U+0000 and anything over a field's
 * documented limit, {@code PAYLOAD_TOO_LARGE} for a body over the 1 MiB limit); nothing runs:
 * a snapshot of every table but those the command writes (and the audit trail's) is unchanged,
 * which includes a sentinel table the corpus tries to drop. The fields are the text components
 * of the command records (strings, lists of strings, JSON), found by reflection: a new one
 * without a case fails {@link #everyTextFieldOfEveryCommandHasACase}.
 *
 * <p>One test per field and door sends the field's whole corpus at once from a few threads (the
 * service serves them in parallel) and checks each answer on its own, naming the entry that
 * fails. The tables are hashed once before the field's first request and once after its last:
 * a table changed by any one of them still shows, and hashing per entry took most of the time.
 */
@Tag("DB-2")
class InjectionCorpusTest {
  /** Sessions the cases open live through the run: a reaper's pass would change a table in the middle of an unrelated case. */
  @RegisterExtension
  static final RunningService service = new RunningService("--session-timeout", "86400");
  /** Written by any call: the trail, and the guardrail matches the corpus's SQL text is recorded as (trust 4 bypasses them). */
  private static final String[] ALWAYS_WRITTEN = {"audit_log", "audit_seals", "guardrail_violations"};
  /** Changed with no call at all: the node's heartbeat ticks on its own. */
  private static final String OWN_CLOCK = "nodes";
  /** Written by any MCP request: the connection's transport session and its coordinator session, kept alive by each. */
  private static final List<String> MCP_CONNECTION = List.of("mcp_sessions", "sessions");
  private static final int BODY_LIMIT = 1 << 20;
  /** How long a client still sending a body over the limit waits for an answer the service gave at once. */
  private static final Duration REFUSED_UNREAD = Duration.ofSeconds(5);
  private static final Set<String> DOCUMENTED = Arrays.stream(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet());

  /** Requests in flight at once: enough to keep the service and the database busy while each waits on the other. */
  private static final int SENDERS = 8;

  private static Http http;
  private static String agent;
  private static Mcp mcp;
  private static ExecutorService senders;
  private static final AtomicInteger serial = new AtomicInteger();

  /**
   * How a field may answer. FREE: any text within the field's limit is stored verbatim. FORMATTED:
   * stored verbatim or refused as VALIDATION_FAILED (a task type's pattern). KEY: a lock key, stored
   * in its NFC form or refused. LOOKUP: text that only selects or is checked: any documented answer,
   * nothing written. ID: a UUID: refused unless it is one.
   */
  enum Kind { FREE, FORMATTED, KEY, LOOKUP, ID }

  /** A call: the action, and its arguments as an MCP tool takes them (path parameters among them). */
  record Call(String action, JsonObject args) {
  }

  /**
   * One field of one command: its kind and documented limit, how a value is sent, and, for stored
   * fields, where it is read back (a path in the answer; a query of the database, its parameter at {@code idPath}).
   */
  record Case(Class<?> command, String component, String field, Kind kind, int limit, Shape shape, boolean overMcp,
              Set<String> writes, Function<Object, Call> call, String answerPath, String idPath, String sql) {
  }

  /** How a corpus text becomes the field's value. */
  enum Shape {
    TEXT, LIST, JSON;

    Object wrap(Object value) {
      if (this == LIST) {
        return new JsonArray().add(value);
      }
      if (this == JSON && value instanceof String text) {
        return new JsonObject().put("text", text).put(text.isEmpty() ? "empty" : text, new JsonArray().add(text));
      }
      return value;
    }
  }

  /** One corpus value: what it is called, the value, and whether U+0000 makes it refused everywhere. */
  record Entry(String name, Object value, boolean refused) {
  }

  @BeforeAll
  static void setUp() {
    http = service.http();
    agent = service.agent("injector", "claude_code", 4);
    service.database().execute("CREATE TABLE db2_sentinel (x int)", "INSERT INTO db2_sentinel VALUES (1)");
    mcp = new Mcp(http, agent);
    senders = Executors.newFixedThreadPool(SENDERS);
  }

  @AfterAll
  static void tearDown() {
    senders.shutdownNow();
  }

  // ---- the fields ------------------------------------------------------------------------

  private static String unique(String prefix) {
    return prefix + "-" + serial.incrementAndGet();
  }

  private static JsonObject body(String field, Object value, Object... others) {
    JsonObject body = new JsonObject();
    for (int i = 0; i < others.length; i += 2) {
      body.put((String) others[i], others[i + 1]);
    }
    return body.put(field, value);
  }

  /** A task of a fresh type claimed by the agent: its id and claim token. */
  private static JsonObject claimed() {
    String type = unique("db2");
    assertEquals(201, http.post("/v1/tasks", agent, new JsonObject().put("task_type", type).put("description", "d")).status());
    return http.post("/v1/tasks/claim", agent, new JsonObject().put("task_types", new JsonArray().add(type)))
        .json().getJsonObject("task");
  }

  private static String pending() {
    return http.post("/v1/tasks", agent, new JsonObject().put("task_type", unique("db2")).put("description", "d"))
        .json().getJsonObject("task").getString("id");
  }

  private static String session() {
    return http.post("/v1/sessions", agent, new JsonObject()).json().getJsonObject("session").getString("id");
  }

  private static Case stored(Class<?> command, String component, String field, Kind kind, int limit, Shape shape,
                             boolean overMcp, Set<String> writes, Function<Object, Call> call, String answerPath, String idPath,
                             String sql) {
    return new Case(command, component, field, kind, limit, shape, overMcp, writes, call, answerPath, idPath, sql);
  }

  private static Case lookup(Class<?> command, String component, String field, Kind kind, Shape shape,
                             Function<Object, Call> call) {
    return lookup(command, component, field, kind, shape, Set.of(), call);
  }

  /** A lookup that may change {@code writes}: a release or renewal finds the lock the key case stored under the same text. */
  private static Case lookup(Class<?> command, String component, String field, Kind kind, Shape shape, Set<String> writes,
                             Function<Object, Call> call) {
    return new Case(command, component, field, kind, Integer.MAX_VALUE, shape, false, writes, call, null, null, null);
  }

  private static Case lock(String component, String field, Kind kind, int limit) {
    return stored(LockCommand.Acquire.class, component, field, kind, limit, Shape.TEXT, true, Set.of("locks"),
        value -> new Call("acquire_lock", field.equals("key") ? body("key", value)
            : body(field, value, "key", "src/" + unique("db2") + ".py")),
        "lock." + field, "lock.key", "SELECT " + field + " FROM locks WHERE key = ?");
  }

  private static Case submit(String component, String field, Kind kind, int limit, Shape shape) {
    Set<String> writes = Set.of("tasks");
    return stored(TaskCommand.Submit.class, component, field, kind, limit, shape, true, writes,
        value -> new Call("submit_work", body(field, value, "task_type", unique("db2"), "description", "d")),
        "task." + field, "task.id", "SELECT " + column(field, shape) + " FROM tasks WHERE id = ?::uuid");
  }

  private static Case complete(String component, String field, int limit, Shape shape) {
    return stored(TaskCommand.Complete.class, component, field, Kind.FREE, limit, shape, true, Set.of("tasks", "task_claims"),
        value -> {
          JsonObject task = claimed();
          return new Call("complete_work", body(field, value, "task_id", task.getString("id"),
              "claim_token", task.getString("claim_token"), "success", field.equals("result")));
        },
        "task." + field, "task.id", "SELECT " + column(field, shape) + " FROM tasks WHERE id = ?::uuid");
  }

  private static Case handoff(String component, String field, int limit, Shape shape) {
    return stored(HandoffCommand.Write.class, component, field, Kind.FREE, limit, shape, true, Set.of("handoffs"),
        value -> new Call("write_handoff", field.equals("summary") ? body("summary", value) : body(field, value, "summary", "s")),
        "handoff." + field, "handoff.id", "SELECT " + field + " FROM handoffs WHERE id = ?::uuid");
  }

  private static Case memory(String component, String field, int limit, Shape shape) {
    return stored(MemoryCommand.Remember.class, component, field, Kind.FREE, limit, shape, true, Set.of("memories"),
        // Fresh event type and summary each time: an identical memory would be deduplicated, not stored.
        value -> new Call("remember", body(field, value, "event_type", unique("db2"), "summary", unique("s"))),
        "memory." + field, "memory.id", "SELECT " + field + " FROM memories WHERE id = ?::uuid");
  }

  private static String column(String field, Shape shape) {
    return shape == Shape.JSON ? field + "::text" : field;
  }

  private static Case session(Class<?> command, String component, Function<Object, Call> call) {
    return stored(command, component, component.equals("capabilities") ? "capabilities" : "current_task", Kind.FREE,
        component.equals("capabilities") ? 64 : SessionRequests.MAX_CURRENT_TASK,
        component.equals("capabilities") ? Shape.LIST : Shape.TEXT, false, Set.of("sessions"), call,
        "session." + (component.equals("capabilities") ? "capabilities" : "current_task"), "session.id",
        "SELECT " + (component.equals("capabilities") ? "capabilities" : "current_task") + " FROM sessions WHERE id = ?::uuid");
  }

  /** Every text field of every command the service takes from a caller. */
  private static List<Case> cases() {
    List<Case> cases = new ArrayList<>(List.of(
        lock("key", "key", Kind.KEY, 0),
        lock("reason", "reason", Kind.FREE, LockRequests.MAX_REASON),
        lookup(LockCommand.Release.class, "key", "key", Kind.LOOKUP, Shape.TEXT, Set.of("locks"),
            value -> new Call("release_lock", body("key", value))),
        lookup(LockCommand.Renew.class, "key", "key", Kind.LOOKUP, Shape.TEXT, Set.of("locks"),
            value -> new Call("renew_lock", body("key", value, "fencing_token", 1))),
        lookup(LockCommand.Validate.class, "key", "key", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("validate_fencing_token", body("key", value, "fencing_token", 1))),
        lookup(LockCommand.Check.class, "keys", "key", Kind.LOOKUP, Shape.TEXT, value -> new Call("check_locks", body("key", value))),
        submit("taskType", "task_type", Kind.FORMATTED, 64, Shape.TEXT),
        submit("description", "description", Kind.FREE, TaskRequests.MAX_DESCRIPTION, Shape.TEXT),
        submit("input", "input", Kind.FREE, 0, Shape.JSON),
        lookup(TaskCommand.Submit.class, "dependsOn", "depends_on", Kind.ID, Shape.LIST,
            value -> new Call("submit_work", body("depends_on", value, "task_type", "db2", "description", "d"))),
        lookup(TaskCommand.Claim.class, "taskTypes", "task_types", Kind.LOOKUP, Shape.LIST,
            value -> new Call("get_work", body("task_types", value))),
        lookup(TaskCommand.Renew.class, "taskId", "task", Kind.ID, Shape.TEXT,
            value -> new Call("renew_claim", body("task_id", value, "claim_token", claimed().getString("claim_token")))),
        lookup(TaskCommand.Renew.class, "claimToken", "claim_token", Kind.ID, Shape.TEXT,
            value -> new Call("renew_claim", body("claim_token", value, "task_id", claimed().getString("id")))),
        complete("result", "result", 0, Shape.JSON),
        complete("error", "error", TaskRequests.MAX_DESCRIPTION, Shape.TEXT),
        lookup(TaskCommand.Complete.class, "taskId", "task", Kind.ID, Shape.TEXT,
            value -> new Call("complete_work", body("task_id", value, "claim_token", claimed().getString("claim_token"),
                "success", true))),
        lookup(TaskCommand.Complete.class, "claimToken", "claim_token", Kind.ID, Shape.TEXT,
            value -> new Call("complete_work", body("claim_token", value, "task_id", claimed().getString("id"), "success", true))),
        stored(TaskCommand.Cancel.class, "reason", "reason", Kind.FREE, 1_000, Shape.TEXT, true, Set.of("tasks"),
            value -> new Call("cancel_task", body("reason", value, "task_id", pending())),
            "task.error", "task.id", "SELECT error FROM tasks WHERE id = ?::uuid"),
        lookup(TaskCommand.Cancel.class, "taskId", "task", Kind.ID, Shape.TEXT,
            value -> new Call("cancel_task", body("task_id", value, "reason", "r"))),
        lookup(TaskCommand.Get.class, "taskId", "task", Kind.ID, Shape.TEXT, value -> new Call("get_task", body("task_id", value))),
        lookup(TaskCommand.ListTasks.class, "status", "status", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("list_tasks", body("status", value))),
        lookup(TaskCommand.ListTasks.class, "taskType", "task_type", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("list_tasks", body("task_type", value))),
        session(SessionCommand.Register.class, "capabilities", value -> new Call("register_session", body("capabilities", value))),
        session(SessionCommand.Register.class, "currentTask", value -> new Call("register_session", body("current_task", value))),
        session(SessionCommand.Heartbeat.class, "currentTask",
            value -> new Call("heartbeat", body("current_task", value, "session_id", session()))),
        lookup(SessionCommand.Heartbeat.class, "sessionId", "session", Kind.ID, Shape.TEXT,
            value -> new Call("heartbeat", body("session_id", value))),
        lookup(SessionCommand.End.class, "sessionId", "session", Kind.ID, Shape.TEXT,
            value -> new Call("end_session", body("session_id", value))),
        lookup(SessionCommand.Discover.class, "capability", "capability", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("discover_agents", body("capability", value))),
        lookup(SessionCommand.Discover.class, "status", "status", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("discover_agents", body("status", value))),
        handoff("summary", "summary", HandoffRequests.MAX_SUMMARY, Shape.TEXT),
        lookup(HandoffCommand.Read.class, "agent", "agent", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("read_handoff", body("agent", value))),
        memory("eventType", "event_type", 64, Shape.TEXT),
        memory("summary", "summary", MemoryRequests.MAX_SUMMARY, Shape.TEXT),
        memory("details", "details", MemoryRequests.MAX_DETAILS, Shape.TEXT),
        memory("outcome", "outcome", MemoryRequests.MAX_SUMMARY, Shape.TEXT),
        memory("lessons", "lessons", MemoryRequests.MAX_SUMMARY, Shape.LIST),
        memory("tags", "tags", 64, Shape.LIST),
        lookup(MemoryCommand.Recall.class, "tags", "tag", Kind.LOOKUP, Shape.TEXT, value -> new Call("recall", body("tag", value))),
        lookup(MemoryCommand.Recall.class, "eventType", "event_type", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("recall", body("event_type", value))),
        lookup(AuditCommand.Query.class, "agent", "agent", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("query_audit", body("agent", value))),
        lookup(AuditCommand.Query.class, "action", "action", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("query_audit", body("action", value))),
        lookup(PolicyCommand.Check.class, "checkedAction", "action", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("check_policy", body("action", value))),
        lookup(PolicyCommand.Check.class, "target", "resource", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("check_policy", body("resource", value, "action", "acquire_lock"))),
        lookup(PolicyCommand.Validate.class, "policyText", "policy_text", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("validate_cedar_policy", body("policy_text", value))),
        lookup(PolicyCommand.CheckGuardrails.class, "text", "text", Kind.LOOKUP, Shape.TEXT,
            value -> new Call("check_guardrails", body("text", value))),
        lookup(PolicyCommand.CheckGuardrails.class, "filePaths", "file_paths", Kind.LOOKUP, Shape.LIST,
            value -> new Call("check_guardrails", body("file_paths", value, "text", "t")))));
    for (String list : List.of("completedWork", "inProgress", "decisions", "nextSteps", "relevantFiles")) {
      cases.add(handoff(list, snake(list), HandoffRequests.MAX_ITEM, Shape.LIST));
    }
    return cases;
  }

  /** Text components the service makes itself and no caller sends: the wait a client's hang-up stops (RestWaiterHangUpTest). */
  private static final Set<String> NOT_FROM_CALLERS = Set.of("LockCommand.CancelWait.requestId", "TaskCommand.CancelWait.requestId");

  private static String snake(String camel) {
    return camel.replaceAll("([A-Z])", "_$1").toLowerCase();
  }

  private static String name(Class<?> command, String component) {
    return command.getEnclosingClass().getSimpleName() + "." + command.getSimpleName() + "." + component;
  }

  /** Every component of every command record that holds text: a string, a list, or JSON (Object). */
  static Set<String> textComponents() {
    Set<String> components = new TreeSet<>();
    for (Class<?> command : Commands.all()) {
      for (RecordComponent component : command.getRecordComponents()) {
        Class<?> type = component.getType();
        if (type == String.class || type == List.class || type == Object.class) {
          components.add(name(command, component.getName()));
        }
      }
    }
    return components;
  }

  @Test
  void everyTextFieldOfEveryCommandHasACase() {
    Set<String> covered = new TreeSet<>(NOT_FROM_CALLERS);
    cases().forEach(each -> covered.add(name(each.command(), each.component())));
    Set<String> components = textComponents();
    assertTrue(components.containsAll(Set.of("TaskCommand.Submit.input", "HandoffCommand.Write.relevantFiles")), components::toString);
    Set<String> missing = new TreeSet<>(components);
    missing.removeAll(covered);
    assertEquals(Set.of(), missing, "DB-2: text fields without an injection case");
    Set<String> stale = new TreeSet<>(covered);
    stale.removeAll(components);
    assertEquals(Set.of(), stale, "cases for fields the commands no longer have");
  }

  // ---- the corpus ------------------------------------------------------------------------

  private static JsonObject corpusFile() {
    try (InputStream in = InjectionCorpusTest.class.getResourceAsStream("/db2-injection-corpus.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The corpus for one field: its texts, the repeats sized to its limit, and (JSON fields only) the deep values. */
  private static List<Entry> corpus(Case field) {
    JsonObject file = corpusFile();
    List<Entry> entries = new ArrayList<>();
    file.getJsonArray("texts").forEach(item -> {
      JsonObject text = (JsonObject) item;
      entries.add(new Entry(text.getString("name"), text.getString("text"), text.getBoolean("refused", false)));
    });
    file.getJsonArray("repeats").forEach(item -> {
      JsonObject repeat = (JsonObject) item;
      Object times = repeat.getValue("times");
      boolean relative = times instanceof String;
      if (!relative || (field.kind() == Kind.FREE && field.shape() != Shape.JSON)) {
        int count = !relative ? (Integer) times : field.limit() + ("over".equals(times) ? 1 : 0);
        entries.add(new Entry(repeat.getString("name"), repeat.getString("repeat").repeat(count), false));
      }
    });
    if (field.shape() == Shape.JSON) {
      file.getJsonArray("depths").forEach(item -> {
        JsonObject depth = (JsonObject) item;
        entries.add(new Entry(depth.getString("name"), nested(depth.getInteger("depth")), false));
      });
    }
    return entries;
  }

  /** {@code depth} levels of objects and arrays with corpus text at the bottom. */
  private static Object nested(int depth) {
    Object value = "'; DROP TABLE db2_sentinel; --";
    for (int level = 1; level <= depth; level++) {
      value = level % 2 == 0 ? new JsonObject().put("$$", value) : new JsonArray().add(value);
    }
    return value;
  }

  // ---- the run ---------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicNode> everyCorpusEntryThroughEveryTextField() {
    List<DynamicNode> doors = new ArrayList<>();
    for (Door door : Door.values()) {
      List<DynamicNode> fields = cases().stream().filter(each -> door == Door.REST || each.overMcp())
          .<DynamicNode>map(each -> DynamicTest.dynamicTest(name(each.command(), each.component()), () -> check(door, each)))
          .toList();
      doors.add(DynamicContainer.dynamicContainer(door.name(), fields));
    }
    return doors.stream();
  }

  /** An answer: HTTP status (MCP: 200, or the error's), error code (null on success), payload or error details. */
  record Answer(int status, String code, String field, JsonObject payload, String text) {
  }

  enum Door {
    REST, MCP;

    Answer send(Call call) {
      return this == REST ? rest(call) : mcp.call(call);
    }
  }

  /** Every corpus entry through one field by one door: each answer checked, and nothing but the field's tables changed. */
  private static void check(Door door, Case field) {
    List<Entry> entries = corpus(field);
    // Made before the first hash: a call's set-up (a claimed task, a session) writes tables the call itself must not.
    List<Call> calls = inParallel(entries, entry -> field.call().apply(field.shape().wrap(entry.value())));
    List<String> unchanged = new ArrayList<>(Arrays.asList(ALWAYS_WRITTEN));
    unchanged.add(OWN_CLOCK);
    unchanged.addAll(field.writes());
    if (door == Door.MCP) {
      unchanged.addAll(MCP_CONNECTION);
    }
    Map<String, Object> before = snapshot(unchanged);
    List<Throwable> failures = inParallel(IntStream.range(0, entries.size()).boxed().toList(),
        i -> failure(door, field, entries.get(i), calls.get(i))).stream().filter(Objects::nonNull).toList();
    Map<String, Object> after = snapshot(unchanged);
    if (!failures.isEmpty()) {
      AssertionError all = new AssertionError(failures.size() + " of " + entries.size() + " corpus entries failed:\n"
          + failures.stream().map(Throwable::getMessage).collect(Collectors.joining("\n")));
      failures.forEach(all::addSuppressed);
      throw all;
    }
    assertEquals(List.of(), before.keySet().stream().filter(table -> !before.get(table).equals(after.get(table))).toList(),
        () -> "DB-2: tables changed that " + calls.get(0).action() + " does not write, by one of the " + entries.size()
            + " corpus entries through " + field.field());
    assertTrue(after.containsKey("db2_sentinel"), "DB-2: the sentinel table is gone");
  }

  /** {@code task} on each item from the senders' threads; the results in the items' order. */
  private static <T, R> List<R> inParallel(List<T> items, Function<T, R> task) {
    List<CompletableFuture<R>> running = items.stream()
        .map(item -> CompletableFuture.supplyAsync(() -> task.apply(item), senders)).toList();
    return running.stream().map(CompletableFuture::join).toList();
  }

  /** Why one entry's answer is wrong, its name first; null when it is right. */
  private static Throwable failure(Door door, Case field, Entry entry, Call call) {
    try {
      check(field, entry, call, door.send(call));
      return null;
    } catch (AssertionError | RuntimeException e) {
      return new AssertionError("[" + entry.name() + "] " + e.getMessage(), e);
    }
  }

  private static void check(Case field, Entry entry, Call call, Answer answer) {
    Object value = field.shape().wrap(entry.value());
    assertTrue(answer.status() < 500, () -> "DB-2: " + answer);
    if (answer.code() != null) {
      assertTrue(DOCUMENTED.contains(answer.code()), () -> "an undocumented error: " + answer);
    }
    if (entry.refused()) {
      assertEquals("VALIDATION_FAILED", answer.code(), () -> "U+0000 is refused: " + answer);
      return;
    }
    boolean overLimit = length(value) > field.limit() && field.kind() == Kind.FREE && field.shape() != Shape.JSON;
    if (answer.status() == 413 || bodyLength(call) > BODY_LIMIT) {
      // 414: the value went into the URL (a query or path parameter), which has a limit of its own.
      assertTrue(Set.of(413, 414).contains(answer.status()) || "VALIDATION_FAILED".equals(answer.code()),
          () -> "over the body limit: " + answer);
      return;
    }
    switch (field.kind()) {
      case FREE -> {
        if (overLimit || nestedTooDeep(entry)) {
          assertEquals("VALIDATION_FAILED", answer.code(), () -> "over the documented limit: " + answer);
          assertEquals(field.field(), answer.field(), answer::toString);
        } else {
          assertEquals(null, answer.code(), () -> "DB-2: refused text that is within the limits: " + answer);
          assertStored(field, answer, value);
        }
      }
      case FORMATTED, KEY -> {
        if (answer.code() != null) {
          assertEquals("VALIDATION_FAILED", answer.code(), answer::toString);
          assertEquals(field.field(), answer.field(), answer::toString);
        } else {
          assertStored(field, answer, field.kind() == Kind.KEY ? Normalizer.normalize((String) value, Normalizer.Form.NFC) : value);
        }
      }
      case ID -> assertTrue(Set.of("VALIDATION_FAILED", "NOT_FOUND").contains(answer.code()), answer::toString);
      case LOOKUP -> {
        // Any documented answer will do; what matters is checked above: nothing changed, nothing ran.
      }
    }
  }

  /**
   * A hash of every table's rows but {@code except}'s, from the catalog (so the sentinel and any
   * table added later are in it), computed by the server: the rows are large and many.
   */
  private static Map<String, Object> snapshot(List<String> except) {
    Map<String, Object> tables = new TreeMap<>();
    service.database().query(SNAPSHOT, String.join(",", except))
        .forEach(row -> tables.put((String) row.get("name"), row.get("hash")));
    return tables;
  }

  /** One round trip: each table's hash, by a query made from the catalog ({@code ?}: the tables left out, comma-separated). */
  private static final String SNAPSHOT = """
      SELECT table_name::text AS name, (xpath('/row/h/text()', query_to_xml(format(
        'SELECT md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) AS h FROM public.%I t', table_name),
        false, true, '')))[1]::text AS hash
      FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> ALL (string_to_array(?, ','))""";

  private static boolean nestedTooDeep(Entry entry) {
    return !(entry.value() instanceof String) && length(entry.value()) > 0 && depth(entry.value()) > 32;
  }

  private static int depth(Object value) {
    int depth = 0;
    Object at = value;
    while (at instanceof JsonArray || at instanceof JsonObject) {
      depth++;
      at = at instanceof JsonArray array ? array.getValue(0) : ((JsonObject) at).getValue("$$");
    }
    return depth;
  }

  private static int length(Object value) {
    if (value instanceof String text) {
      return text.length();
    }
    if (value instanceof JsonArray array && array.size() == 1 && array.getValue(0) instanceof String text) {
      return text.length();
    }
    return 1;
  }

  private static int bodyLength(Call call) {
    return call.args().encode().getBytes(StandardCharsets.UTF_8).length;
  }

  /** The value is in the answer and in the database exactly as expected. */
  private static void assertStored(Case field, Answer answer, Object expected) {
    Object answered = at(answer.payload(), field.answerPath());
    assertEquals(plain(expected), plain(answered), () -> "DB-2: answered other than sent: " + answer);
    Object stored = service.database().value(field.sql(), at(answer.payload(), field.idPath()));
    Object storedValue = field.shape() == Shape.JSON ? (stored == null ? null : parse((String) stored)) : stored;
    assertEquals(plain(expected), plain(storedValue), "DB-2: stored other than sent");
  }

  private static Object parse(String json) {
    return json.startsWith("[") ? new JsonArray(json) : new JsonObject(json);
  }

  /** Lists for JSON arrays and maps for objects, so values from the answer, the database and the corpus compare. */
  private static Object plain(Object value) {
    if (value instanceof JsonArray array) {
      return array.stream().map(InjectionCorpusTest::plain).toList();
    }
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new LinkedHashMap<>();
      object.forEach(member -> map.put(member.getKey(), plain(member.getValue())));
      return map;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(InjectionCorpusTest::plain).toList();
    }
    return value;
  }

  private static Object at(JsonObject json, String path) {
    Object at = json;
    for (String step : path.split("\\.")) {
      at = ((JsonObject) at).getValue(step);
    }
    return at;
  }

  // ---- the doors -------------------------------------------------------------------------

  /** A REST route: method and path; {@code {name}} takes the argument of that name, GET arguments go in the query. */
  private record Route(String method, String path) {
  }

  private static final Map<String, Route> ROUTES = Map.ofEntries(
      Map.entry("acquire_lock", new Route("POST", "/v1/locks/acquire")),
      Map.entry("release_lock", new Route("POST", "/v1/locks/release")),
      Map.entry("renew_lock", new Route("POST", "/v1/locks/renew")),
      Map.entry("validate_fencing_token", new Route("POST", "/v1/locks/validate")),
      Map.entry("check_locks", new Route("GET", "/v1/locks")),
      Map.entry("submit_work", new Route("POST", "/v1/tasks")),
      Map.entry("get_work", new Route("POST", "/v1/tasks/claim")),
      Map.entry("renew_claim", new Route("POST", "/v1/tasks/{task_id}/renew")),
      Map.entry("complete_work", new Route("POST", "/v1/tasks/{task_id}/complete")),
      Map.entry("cancel_task", new Route("POST", "/v1/tasks/{task_id}/cancel")),
      Map.entry("get_task", new Route("GET", "/v1/tasks/{task_id}")),
      Map.entry("list_tasks", new Route("GET", "/v1/tasks")),
      Map.entry("register_session", new Route("POST", "/v1/sessions")),
      Map.entry("heartbeat", new Route("POST", "/v1/sessions/{session_id}/heartbeat")),
      Map.entry("end_session", new Route("DELETE", "/v1/sessions/{session_id}")),
      Map.entry("discover_agents", new Route("GET", "/v1/agents")),
      Map.entry("write_handoff", new Route("POST", "/v1/handoffs")),
      Map.entry("read_handoff", new Route("GET", "/v1/handoffs")),
      Map.entry("remember", new Route("POST", "/v1/memories")),
      Map.entry("recall", new Route("GET", "/v1/memories")),
      Map.entry("query_audit", new Route("GET", "/v1/audit")),
      Map.entry("check_policy", new Route("POST", "/v1/policy/check")),
      Map.entry("validate_cedar_policy", new Route("POST", "/v1/policy/validate")),
      Map.entry("check_guardrails", new Route("POST", "/v1/guardrails/check")));

  private static String encode(Object value) {
    return URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8);
  }

  private static Answer rest(Call call) {
    Route route = ROUTES.get(call.action());
    JsonObject args = call.args().copy();
    StringBuilder path = new StringBuilder();
    for (String part : route.path().split("(?=\\{)|(?<=})")) {
      path.append(part.startsWith("{") ? encode(args.remove(part.substring(1, part.length() - 1))) : part);
    }
    String body = null;
    if (route.method().equals("GET")) {
      String query = args.stream().map(member -> member.getKey() + "=" + encode(member.getValue()))
          .collect(Collectors.joining("&"));
      path.append(query.isEmpty() ? "" : "?" + query);
    } else if (!route.method().equals("DELETE")) {
      body = args.encode();
    }
    return send(route.method(), path.toString(), body);
  }

  /**
   * The answer to one request. A body over the limit is answered 413 (a URL over its limit 414)
   * before it has all been read, and the connection closed: a client still sending it may see the
   * connection go instead, or, when the body is larger than the socket buffers (a JSON field's
   * 1 MiB of surrogate pairs is 6 MiB), wait until it gives up: the JDK client reads no answer
   * before it has sent the whole body.
   */
  private static Answer send(String method, String path, String body, String... headers) {
    try {
      Http.Response response = overLimit(body) ? http.send(REFUSED_UNREAD, method, path, agent, body, headers)
          : http.send(method, path, agent, body, headers);
      return answer(response.status(), response.text());
    } catch (UncheckedIOException e) {
      int bodyLength = body == null ? 0 : body.length();
      if (path.length() + bodyLength > BODY_LIMIT) {
        return new Answer(bodyLength > BODY_LIMIT ? 413 : 414, null, null, new JsonObject(),
            "connection closed while sending " + path.length() + " + " + bodyLength + " characters");
      }
      throw e;
    }
  }

  private static boolean overLimit(String body) {
    return body != null && body.getBytes(StandardCharsets.UTF_8).length > BODY_LIMIT;
  }

  private static Answer answer(int status, String text) {
    JsonObject json;
    try {
      json = text == null || text.isEmpty() ? new JsonObject() : new JsonObject(text);
    } catch (RuntimeException e) {
      return new Answer(status, null, null, new JsonObject(), text);
    }
    JsonObject error = json.getJsonObject("error");
    return error == null ? new Answer(status, null, null, json, text)
        : new Answer(status, error.getString("code"), error.getJsonObject("details", new JsonObject()).getString("field"), json,
            text.length() > 500 ? text.substring(0, 500) + "…" : text);
  }

  /**
   * One MCP Streamable HTTP session of the agent, shared by the senders' threads, opened again
   * when it has idled out (while the REST half runs).
   */
  private static final class Mcp {
    private static final String ACCEPT = "application/json, text/event-stream";
    private final Http http;
    private final String key;
    private final AtomicInteger id = new AtomicInteger(1);
    private String session;

    Mcp(Http http, String key) {
      this.http = http;
      this.key = key;
    }

    private String open() {
      Http.Response init = http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", id.getAndIncrement())
          .put("method", "initialize").put("params", new JsonObject().put("protocolVersion", "2025-06-18")
              .put("capabilities", new JsonObject()).put("clientInfo", new JsonObject().put("name", "db2").put("version", "1")))
          .encode(), "Accept", ACCEPT);
      return init.header("Mcp-Session-Id").orElseThrow(() -> new AssertionError(init.toString()));
    }

    /** The session, opened when there is none or it is still {@code stale}: the first thread to see it gone opens the next. */
    private synchronized String session(String stale) {
      if (session == null || session.equals(stale)) {
        session = open();
      }
      return session;
    }

    Answer call(Call call) {
      String request = new JsonObject().put("jsonrpc", "2.0").put("id", id.getAndIncrement()).put("method", "tools/call")
          .put("params", new JsonObject().put("name", call.action()).put("arguments", call.args())).encode();
      String current = session(null);
      Answer answer = send("POST", "/mcp", request, "Accept", ACCEPT, "Mcp-Session-Id", current);
      if (answer.status() == 404) {
        answer = send("POST", "/mcp", request, "Accept", ACCEPT, "Mcp-Session-Id", session(current));
      }
      JsonObject result = answer.payload().getJsonObject("result");
      if (answer.status() != 200 || result == null) {
        return answer;
      }
      JsonObject content = result.getJsonObject("structuredContent", new JsonObject());
      return Boolean.TRUE.equals(result.getBoolean("isError")) ? answer(400, content.encode()) : answer(200, content.encode());
    }
  }
}
