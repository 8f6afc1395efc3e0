package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database {@code serve} starts when none is configured keeps what it acknowledged. */
class EmbeddedDatabaseTest {

  @Test
  @DisplayName("the embedded PostgreSQL flushes every commit to disk before answering it (fsync and synchronous_commit on)")
  void commitsAreDurable(@TempDir Path dataDir) throws Exception {
    try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir);
         Connection connection = DriverManager.getConnection(database.url().jdbcUrl());
         Statement statement = connection.createStatement()) {
      assertEquals("on", setting(statement, "fsync"));
      assertEquals("on", setting(statement, "synchronous_commit"));
    }
  }

  private static String setting(Statement statement, String name) throws Exception {
    try (ResultSet rows = statement.executeQuery("SELECT current_setting('" + name + "')")) {
      rows.next();
      return rows.getString(1);
    }
  }
}
