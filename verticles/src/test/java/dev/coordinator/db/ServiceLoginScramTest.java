package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DB-3: where the server asks for passwords (SCRAM, as production servers do), the service's
 * connections log in with the login's fresh password, and a start replaces the previous one.
 * The shared test server trusts 127.0.0.1, so this runs on an embedded server of its own.
 */
@Tag("DB-3")
class ServiceLoginScramTest {
  private static final String ROLE = ServiceLogin.ROLE_PREFIX + "scram_test";
  private static final String HBA = """
      local all all trust
      host all postgres 127.0.0.1/32 trust
      host all postgres ::1/128 trust
      host all all 127.0.0.1/32 scram-sha-256
      host all all ::1/128 scram-sha-256
      """;

  @Test
  void theServiceLogsInWithItsFreshPassword(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("pg");
    try (EmbeddedPostgres server = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true)
        .setServerConfig("password_encryption", "scram-sha-256").start()) {
      Files.writeString(data.resolve("pg_hba.conf"), HBA);
      DatabaseUrl admin = new DatabaseUrl("postgresql://postgres@localhost:" + server.getPort() + "/postgres");
      try (Connection connection = DriverManager.getConnection(admin.jdbcUrl());
           Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_reload_conf()");
      }
      Migrations.migrate(admin);
      Vertx vertx = Vertx.vertx();
      try {
        DatabaseUrl first = ServiceLogin.prepare(admin, ROLE);
        assertEquals(ROLE, login(vertx, first));
        Exception refused = assertThrows(Exception.class, () -> login(vertx, first.withLogin(ROLE, "wrong")));
        assertTrue(refused.getMessage().contains("password authentication failed"), refused.getMessage());

        DatabaseUrl restarted = ServiceLogin.prepare(admin, ROLE);
        assertEquals(ROLE, login(vertx, restarted));
        assertThrows(Exception.class, () -> login(vertx, first), "the previous start's password no longer works");
      } finally {
        vertx.close().await();
      }
    }
  }

  /** The session user of a connection opened as the service opens its connections. */
  private static String login(Vertx vertx, DatabaseUrl url) {
    return PgConnection.connect(vertx, Pools.connectOptions(url))
        .compose(connection -> connection.query("SELECT session_user::text").execute().eventually(connection::close))
        .map(rows -> rows.iterator().next().getString(0))
        .await();
  }
}
