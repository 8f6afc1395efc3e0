package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DB-3: the rights the running service has. Connections are opened exactly as the service's pool
 * opens them (the URL names a superuser; the startup option drops to coordinator_service). Such a
 * session could still SET ROLE back to its login role, which is why docs/running.md has
 * production log in as a role that is only a member of coordinator_service.
 */
class DatabaseRolesTest {
  private static TestDatabase database;

  @BeforeAll
  static void create() {
    database = TestDatabase.create();
    database.execute("INSERT INTO agents (id, agent_type, trust, key_hash) VALUES ('a', 't', 2, sha256('k'::bytea))",
        "INSERT INTO audit_log (agent, action, decision, outcome) VALUES ('a', 'acquire_lock', 'allow', 'ok')");
  }

  @AfterAll
  static void drop() {
    database.close();
  }

  private static Connection asService() throws SQLException {
    return DriverManager.getConnection(database.url().jdbcUrl() + "&options=-c%20role%3D" + Pools.SERVICE_ROLE);
  }

  private static void run(String sql) throws SQLException {
    try (Connection connection = asService(); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void theServiceRunsAsTheServiceRoleEvenWhenTheUrlNamesASuperuser() throws SQLException {
    try (Connection connection = asService(); Statement statement = connection.createStatement();
         ResultSet row = statement.executeQuery("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")) {
      row.next();
      assertEquals(Pools.SERVICE_ROLE, row.getString(1));
      assertEquals(false, row.getBoolean(2));
    }
  }

  @ParameterizedTest(name = "DB-3 the service role may not: {0}")
  @ValueSource(strings = {
      "UPDATE audit_log SET reason = 'rewritten'",
      "DELETE FROM audit_log",
      "TRUNCATE audit_log",
      "UPDATE audit_chain_heads SET seq = 0",
      "INSERT INTO agents (id, agent_type, trust, key_hash) VALUES ('evil', 't', 4, sha256('x'::bytea))",
      "UPDATE agents SET trust = 4",
      "DELETE FROM agents",
      "ALTER TABLE audit_log DISABLE TRIGGER USER",
      "ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY",
      "DROP TABLE locks"})
  void theServiceRoleCannot(String sql) {
    long auditRows = database.count("audit_log");
    SQLException refused = assertThrows(SQLException.class, () -> run(sql), sql);
    assertTrue(refused.getMessage().contains("permission denied") || refused.getMessage().contains("must be owner")
        || refused.getMessage().contains("append-only"), refused.getMessage());
    assertEquals(auditRows, database.count("audit_log"));
  }

  @Test
  void theServiceRoleReadsAgentsAndWritesLocksAndAudit() throws SQLException {
    run("SELECT id, trust FROM agents");
    run("INSERT INTO locks (key, holder, agent_type, fencing_token, ttl_seconds, acquired_at, expires_at)"
        + " VALUES ('k', 'a', 't', nextval('lock_fencing_token_seq'), 60, now(), now() + interval '1 minute')");
    run("DELETE FROM locks WHERE key = 'k'");
    long auditRows = database.count("audit_log");
    run("INSERT INTO audit_log (agent, action, decision, outcome) VALUES ('a', 'release_lock', 'allow', 'ok')");
    assertEquals(auditRows + 1, database.count("audit_log"));
  }

  @Test
  void evenTheOwnerCannotRewriteAuditRows() {
    assertThrows(IllegalStateException.class, () -> database.execute("UPDATE audit_log SET reason = 'x'"));
    assertThrows(IllegalStateException.class, () -> database.execute("DELETE FROM audit_log"));
    assertThrows(IllegalStateException.class, () -> database.execute("TRUNCATE audit_log"));
  }

  @Test
  void migrationsRunOnAServerWhereTheRolesAlreadyExist() {
    try (TestDatabase second = TestDatabase.create()) {
      assertEquals(1L, second.value("SELECT count(*) FROM flyway_schema_history WHERE success AND version = '1'"));
      assertEquals(64L, second.count("audit_chain_heads"));
    }
  }
}
