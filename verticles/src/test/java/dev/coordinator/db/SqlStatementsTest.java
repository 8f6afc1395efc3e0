package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.agent.AgentStore;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.audit.AuditVerticle;
import dev.coordinator.domain.Idempotency;
import dev.coordinator.testing.TestDatabase;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * DB-1: every SQL statement in the code prepares against the migrated schema, as the role the
 * service runs as. Statements are found by reflection, so a new one cannot be left out; a class
 * listed here without any is an error too, so a rename is noticed.
 */
class SqlStatementsTest {
  private static final List<Class<?>> HOLDERS = List.of(
      classNamed("dev.coordinator.lock.LockSql"), classNamed("dev.coordinator.task.TaskSql"),
      classNamed("dev.coordinator.session.SessionSql"), dev.coordinator.handoff.HandoffVerticle.class,
      dev.coordinator.memory.MemoryVerticle.class, AuditVerticle.class, AuditSql.class, Idempotency.class,
      classNamed("dev.coordinator.policy.ProfileCache"), AgentStore.class, HealthVerticle.class);
  private static final Pattern STATEMENT = Pattern.compile("^\\s*(SELECT|INSERT|WITH|UPDATE|DELETE)\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern JDBC_PLACEHOLDER = Pattern.compile("\\?(?!\\?)");

  private static Class<?> classNamed(String name) {
    try {
      return Class.forName(name);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  record Sql(String where, String text) {
  }

  static List<Sql> statementsOf(Class<?> holder) throws IllegalAccessException {
    List<Sql> found = new ArrayList<>();
    for (Field field : holder.getDeclaredFields()) {
      // A *_TEMPLATE is filled in by the class itself; the statements made from it are checked instead.
      if (Modifier.isStatic(field.getModifiers()) && Modifier.isFinal(field.getModifiers()) && field.getType() == String.class
          && !field.getName().endsWith("_TEMPLATE")) {
        field.setAccessible(true);
        String text = (String) field.get(null);
        if (STATEMENT.matcher(text).find()) {
          found.add(new Sql(holder.getSimpleName() + "." + field.getName(), text));
        }
      }
    }
    return found;
  }

  @Test
  void everyStatementPreparesAsTheServiceRole() throws Exception {
    List<String> failures = new ArrayList<>();
    int prepared = 0;
    try (TestDatabase database = TestDatabase.create();
         Connection connection = DriverManager.getConnection(
             database.url().jdbcUrl() + "&options=-c%20role%3D" + Pools.SERVICE_ROLE);
         Statement statement = connection.createStatement()) {
      for (Class<?> holder : HOLDERS) {
        List<Sql> statements = statementsOf(holder);
        assertFalse(statements.isEmpty(), holder.getName() + " holds no SQL any more: update this test");
        for (Sql sql : statements) {
          String text = numbered(sql.text());
          try {
            statement.execute("PREPARE db1_check AS " + text);
            statement.execute("DEALLOCATE db1_check");
            prepared++;
          } catch (SQLException e) {
            failures.add(sql.where() + ": " + e.getMessage());
          }
        }
      }
    }
    assertTrue(failures.isEmpty(), "DB-1: statements that do not prepare:\n" + String.join("\n", failures));
    assertTrue(prepared >= 10, "found only " + prepared + " statements");
  }

  /** JDBC's {@code ?} placeholders as PostgreSQL's {@code $n}, so PREPARE takes both kinds. */
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
