package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.RunningService;
import io.vertx.pgclient.PgConnection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DB-1: every SQL statement of the service's code prepares against the migrated schema, on a
 * connection made exactly as the running service makes its own ({@link Pools#connectOptions}:
 * its login, as {@code coordinator_service}). The statements are found by reflection over every
 * class of the service ({@link SqlStatements}), so a new one cannot be left out; and the check is
 * shown to fail when a column a statement uses is dropped.
 */
@Tag("DB-1")
class SqlStatementsTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static final Pattern JDBC_PLACEHOLDER = Pattern.compile("\\?(?!\\?)");

  /** Where each statement that does not prepare is, with the server's reason. */
  private static Map<String, String> unprepared() throws Exception {
    Map<String, String> failures = new TreeMap<>();
    PgConnection connection = PgConnection.connect(service.vertx(), Pools.connectOptions(service.service().serviceDatabase()))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      assertEquals(Pools.SERVICE_ROLE, connection.query("SELECT current_user::text").execute()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).iterator().next().getString(0));
      for (SqlStatements.Statement sql : SqlStatements.all()) {
        try {
          connection.prepare(numbered(sql.text())).compose(prepared -> prepared.close())
              .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          failures.put(sql.where(), e.getCause().getMessage());
        }
      }
    } finally {
      connection.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    return failures;
  }

  @Test
  void everyStatementOfTheCodeIsFoundAndFilledIn() {
    List<String> found = SqlStatements.all().stream().map(SqlStatements.Statement::where).toList();
    assertTrue(found.containsAll(List.of("Guardrails.LOAD", "PolicyVerticle.SESSION_OWNER", "GuardrailRecord.RECORD",
        "LockSql.ACQUIRE", "SessionSql.REAP", "TaskSql.SWEEP", "AuditSql.INSERT")), "DB-1: statements found: " + found);
    List<String> unfilled = SqlStatements.all().stream().filter(sql -> SqlStatements.UNFILLED.matcher(sql.text()).find())
        .map(SqlStatements.Statement::where).toList();
    assertTrue(unfilled.isEmpty(), "DB-2 (in part): a statement is complete when its class loads, nothing is left for request data to fill: " + unfilled);
  }

  @Test
  void everyStatementPreparesAsTheServiceRoleAndADroppedColumnIsCaught() throws Exception {
    Map<String, String> failures = unprepared();
    assertTrue(failures.isEmpty(), "DB-1: statements that do not prepare:\n" + lines(failures));
    assertTrue(SqlStatements.all().size() >= 40, "found only " + SqlStatements.all().size() + " statements");

    // What a migration dropping a used column would do: the check names every statement that uses it.
    service.database().execute("ALTER TABLE handoffs DROP COLUMN relevant_files");
    try {
      Map<String, String> broken = unprepared();
      assertEquals(List.of("HandoffVerticle.READ", "HandoffVerticle.WRITE"), List.copyOf(broken.keySet()), lines(broken));
      assertTrue(broken.values().stream().allMatch(reason -> reason.contains("relevant_files")), lines(broken));
    } finally {
      service.database().execute("ALTER TABLE handoffs ADD COLUMN relevant_files text[] NOT NULL DEFAULT '{}'");
    }
  }

  private static String lines(Map<String, String> failures) {
    return failures.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n"));
  }

  /** JDBC's {@code ?} placeholders (the operator's statements) as PostgreSQL's {@code $n}. */
  private static String numbered(String sql) {
    StringBuilder out = new StringBuilder();
    var matcher = JDBC_PLACEHOLDER.matcher(sql);
    int n = 0;
    while (matcher.find()) {
      matcher.appendReplacement(out, "\\$" + (++n));
    }
    matcher.appendTail(out);
    return out.toString();
  }
}
