package dev.coordinator.stress.service;

import dev.coordinator.db.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The fresh database a run's service uses, and what the faults do to it. */
public interface ServiceDatabase extends AutoCloseable {
  /** An administrator's URL of the run's database (the nodes derive their own login from it). */
  DatabaseUrl url();

  /** Whether the harness started the server itself and so may stop and start it. */
  boolean restartable();

  /** Stops the database server, then starts it again on the same port and files. */
  void restart();

  @Override
  void close();

  /** The {@code kill-db-connections} fault: ends every connection to the run's database but this one. */
  String TERMINATE_OTHERS = """
      SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()""";

  /** Runs one statement as the administrator; answers the first column of the first row, if any. */
  default String execute(String sql) {
    try (Connection connection = DriverManager.getConnection(url().jdbcUrl());
         Statement statement = connection.createStatement()) {
      if (!statement.execute(sql)) {
        return null;
      }
      try (ResultSet rows = statement.getResultSet()) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}
