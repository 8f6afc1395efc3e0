package dev.coordinator.stress.bench;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ceiling's pgbench scripts: the very statements the service runs per request of a workload
 * (one autocommitted statement per request, as its pool runs them), read from the service jar's
 * constants at bench time, with each {@code $n} bound as the service binds it for the bench's REST
 * clients (agent {@code stress-w<client>}, one key per client, the Cedar decision's audit context).
 *
 * <p>The constants are package-private in the service, so they are read by reflection rather than
 * made public for the bench. pgbench cannot bind an SQL NULL (a variable set to NULL is sent as the
 * text {@code NULL}), so a null parameter is {@code NULLIF(:none, 'NULL')}: still a parameter to
 * the planner, as the service's null is. The request id is {@code gen_random_uuid()::text} (pgbench
 * makes no strings) and a new task's id {@code gen_random_uuid()} (the service makes it in Java).
 */
final class ServiceSqlScripts {
  static final String LOCK_CYCLE = "service_lock_cycle.sql";
  static final String LIFECYCLE = "service_lifecycle.sql";

  private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");
  private static final String NULL = "NULLIF(:none, 'NULL')";
  private static final String AGENT = "'stress-w' || :client_id";
  private static final String KEY = "'bench/ceiling/' || :client_id";
  /** The claimed task as the claim's {@code \gset} left it (an empty text when the claim found none). */
  private static final String CLAIMED = "NULLIF(:task, '')::jsonb";
  private static final String HEADER = """
      \\set none NULL
      \\set yes true
      \\set zero 0
      \\set ttl 60
      \\set priority 5
      \\set attempts 3
      \\set lease 600
      \\set trust 2
      """;

  private ServiceSqlScripts() {
  }

  /** Writes both scripts into {@code dir}; returns it. */
  static Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(LOCK_CYCLE), lockCycle());
    Files.writeString(dir.resolve(LIFECYCLE), lifecycle());
    return dir;
  }

  /** G1: {@code LockSql.ACQUIRE} (not waiting: its last attempt, no place in line) then {@code LockSql.RELEASE} (no token). */
  static String lockCycle() {
    String params = "'{\"key\": \"bench/ceiling/' || :client_id || '\", \"reason\": null, \"wait_ms\": 0, \"ttl_seconds\": 60}'";
    Map<Integer, String> acquire = context("acquire_lock", params);
    acquire.putAll(Map.of(9, KEY, 10, ":ttl", 11, NULL, 12, ":yes", 13, NULL, 14, NULL, 15, ":zero"));
    Map<Integer, String> release = context("release_lock", "'{\"key\": \"bench/ceiling/' || :client_id || '\", \"fencing_token\": null}'");
    release.putAll(Map.of(9, KEY, 10, NULL));
    return "-- G1 ceiling, generated from the service's LockSql: acquire, then release, each its own transaction.\n" + HEADER
        + bind(constant("dev.coordinator.lock.LockSql", "ACQUIRE"), acquire) + ";\n"
        + bind(constant("dev.coordinator.lock.LockSql", "RELEASE"), release) + ";\n";
  }

  /** G6: {@code TaskSql.SUBMIT}, {@code TaskSql.CLAIM} (its task kept with \gset), {@code TaskSql.COMPLETE} of that task. */
  static String lifecycle() {
    Map<Integer, String> submit = context("submit_work", "'{\"input\": null, \"deadline\": null, \"priority\": 5, \"task_type\": \"bench\","
        + " \"depends_on\": [], \"description\": \"bench job\", \"max_attempts\": 3}'");
    submit.putAll(Map.of(9, "gen_random_uuid()", 10, "'bench'", 11, "'bench job'", 12, NULL, 13, ":priority", 14, "'{}'",
        15, ":attempts", 16, NULL, 17, ":zero"));
    Map<Integer, String> claim = context("get_work", "'{\"wait_ms\": 0, \"task_types\": [\"bench\"], \"lease_seconds\": 600}'");
    claim.putAll(Map.of(9, "'{bench}'", 10, ":lease", 11, ":trust"));
    Map<Integer, String> complete = context("complete_work", "json_build_object('error', NULL, 'result', NULL, 'success', true,"
        + " 'task_id', " + CLAIMED + "->>'id', 'claim_token', " + CLAIMED + "->>'claim_token')::text");
    complete.putAll(Map.of(9, CLAIMED + "->>'id'", 10, CLAIMED + "->>'claim_token'", 11, ":yes", 12, NULL, 13, NULL));
    String task = "dev.coordinator.task.TaskSql";
    return "-- G6 ceiling, generated from the service's TaskSql: submit, claim, complete, each its own transaction.\n" + HEADER
        + bind(constant(task, "SUBMIT"), submit) + ";\n"
        + bind(constant(task, "CLAIM"), claim) + " \\gset\n"
        + bind(constant(task, "COMPLETE"), complete) + ";\n";
  }

  /** $1..$8 as {@code AuditContext.tuple} binds them for a bench client allowed by Cedar, no session. */
  private static Map<Integer, String> context(String action, String params) {
    Map<Integer, String> values = new LinkedHashMap<>();
    values.putAll(Map.of(1, AGENT, 2, "'stress'", 3, NULL, 4, "gen_random_uuid()::text", 5, "'allow'",
        6, "'" + action + " allowed for agent stress-w' || :client_id || ' (trust 2) by [write]'", 7, "'cedar'", 8, params));
    return values;
  }

  /** The statement with every {@code $n} replaced by its value, parenthesized; fails on a parameter left unbound. */
  static String bind(String sql, Map<Integer, String> values) {
    Matcher matcher = PARAMETER.matcher(sql);
    StringBuilder bound = new StringBuilder();
    while (matcher.find()) {
      String value = values.get(Integer.parseInt(matcher.group(1)));
      if (value == null) {
        throw new IllegalStateException("the service's statement has a parameter the ceiling does not bind: " + matcher.group()
            + " in\n" + sql);
      }
      matcher.appendReplacement(bound, Matcher.quoteReplacement("(" + value + ")"));
    }
    matcher.appendTail(bound);
    return bound.toString();
  }

  private static String constant(String className, String name) {
    try {
      Field field = Class.forName(className).getDeclaredField(name);
      field.setAccessible(true);
      return (String) field.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the service jar has no " + className + "." + name + " for the ceiling to replay", e);
    }
  }
}
