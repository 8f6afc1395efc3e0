package dev.coordinator.testing;

import dev.coordinator.agent.AgentSpec;
import dev.coordinator.agent.AgentStore;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh, migrated database for one test class on a real PostgreSQL server:
 * {@code COORDINATOR_TEST_DB_URL} if set, else the local server at 127.0.0.1:5432 if it answers,
 * else an embedded one (zonky) shared by the whole test run.
 */
public final class TestDatabase implements AutoCloseable {
  private static final String LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres";
  private static DatabaseUrl server;
  private static EmbeddedPostgres embedded;

  private final DatabaseUrl url;
  private final String name;

  private TestDatabase(DatabaseUrl url, String name) {
    this.url = url;
    this.name = name;
  }

  /** Creates a new database on the test server and applies the migrations. */
  public static TestDatabase create() {
    DatabaseUrl admin = server();
    String name = "coordinator_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    execute(admin, "CREATE DATABASE " + name);
    DatabaseUrl url = admin.withDatabase(name);
    Migrations.migrate(url);
    return new TestDatabase(url, name);
  }

  /** The test server (its maintenance database). */
  public static DatabaseUrl serverUrl() {
    return server();
  }

  public DatabaseUrl url() {
    return url;
  }

  /** Creates (or updates) an agent through the store the launcher uses and returns its key. */
  public String agent(String id, String type, int trust) {
    String key = "test-key-" + id + "-" + UUID.randomUUID();
    try {
      new AgentStore(url).upsert(List.of(new AgentSpec(id, type, trust, key)), "test");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return key;
  }

  /** Runs statements as the schema owner (a superuser on test servers), outside the service. */
  public void execute(String... sql) {
    execute(url, sql);
  }

  /** Rows of a query as the schema owner, each a column-name → value map in column order. */
  public List<Map<String, Object>> query(String sql, Object... args) {
    try (Connection connection = DriverManager.getConnection(url.jdbcUrl());
         var statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet result = statement.executeQuery()) {
        int columns = result.getMetaData().getColumnCount();
        while (result.next()) {
          Map<String, Object> row = new java.util.LinkedHashMap<>();
          for (int c = 1; c <= columns; c++) {
            row.put(result.getMetaData().getColumnLabel(c), comparable(result.getObject(c)));
          }
          rows.add(row);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  // SQL arrays have no value equality; lists do, so rows can be compared before and after.
  private static Object comparable(Object value) throws SQLException {
    return value instanceof java.sql.Array array ? java.util.Arrays.asList((Object[]) array.getArray()) : value;
  }

  /** The single value of a one-row, one-column query. */
  public Object value(String sql, Object... args) {
    return query(sql, args).get(0).values().iterator().next();
  }

  /** Waits until {@code count} backends of this database wait on a lock (a statement is blocked behind a test's transaction). */
  public void awaitBlockedBackends(int count) {
    Await.until(count + " backends wait on a lock", () -> ((Number) value("SELECT count(*) FROM pg_stat_activity"
        + " WHERE datname = current_database() AND wait_event_type = 'Lock'")).longValue() >= count);
  }

  /**
   * AUD-2: waits until every audit row committed so far is sealed, asking for sealing itself (the
   * service's own sealer may have the turn, or a transaction still running may hold sealing back).
   */
  public void awaitAuditSealed() {
    long upTo = ((Number) value("SELECT coalesce(max(id), 0) FROM audit_log")).longValue();
    Await.until("the audit rows up to " + upTo + " are sealed", () -> {
      value("SELECT audit_seal(10000)");
      return ((Number) value("SELECT count(*) FROM audit_log a WHERE a.id <= ?"
          + " AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.audit_id = a.id)", upTo)).longValue() == 0;
    });
  }

  /**
   * Every row of every table in the public schema but {@code except} and {@code nodes} (the nodes'
   * heartbeats tick on their own; no command changes them), as text, sorted per table: compare two
   * to see whether anything at all changed in between.
   */
  public Map<String, List<String>> snapshot(String... except) {
    List<String> skipped = new ArrayList<>(List.of(except));
    skipped.add("nodes");
    Map<String, List<String>> tables = new java.util.TreeMap<>();
    try (Connection connection = DriverManager.getConnection(url.jdbcUrl());
         Statement statement = connection.createStatement()) {
      List<String> names = new ArrayList<>();
      try (ResultSet result = statement.executeQuery("SELECT table_name FROM information_schema.tables"
          + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
        while (result.next()) {
          names.add(result.getString(1));
        }
      }
      names.removeAll(skipped);
      for (String name : names) {
        List<String> rows = new ArrayList<>();
        try (ResultSet result = statement.executeQuery("SELECT t::text FROM \"" + name + "\" t ORDER BY 1")) {
          while (result.next()) {
            rows.add(result.getString(1));
          }
        }
        tables.put(name, rows);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("snapshot: " + e.getMessage(), e);
    }
    return tables;
  }

  public long count(String table) {
    return ((Number) value("SELECT count(*) FROM " + table)).longValue();
  }

  @Override
  public void close() {
    execute(server(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static synchronized DatabaseUrl server() {
    if (server == null) {
      server = chooseServer();
    }
    return server;
  }

  private static DatabaseUrl chooseServer() {
    String configured = System.getenv("COORDINATOR_TEST_DB_URL");
    if (configured != null && !configured.isBlank()) {
      return new DatabaseUrl(configured);
    }
    DatabaseUrl local = new DatabaseUrl(LOCAL);
    try (Connection ignored = DriverManager.getConnection(local.jdbcUrl() + "&connectTimeout=2")) {
      return local;
    } catch (SQLException e) {
      System.err.println("TestDatabase: no PostgreSQL at 127.0.0.1:5432 (" + e.getMessage() + "); using an embedded one");
    }
    try {
      embedded = EmbeddedPostgres.builder().start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          embedded.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }));
      return new DatabaseUrl("postgresql://postgres@localhost:" + embedded.getPort() + "/postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("could not start an embedded PostgreSQL for the tests", e);
    }
  }

  private static void execute(DatabaseUrl target, String... sql) {
    try (Connection connection = DriverManager.getConnection(target.jdbcUrl());
         Statement statement = connection.createStatement()) {
      for (String each : sql) {
        statement.execute(each);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(String.join("; ", sql) + ": " + e.getMessage(), e);
    }
  }
}
