package dev.coordinator.stress.service;

import dev.coordinator.db.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A new database on a PostgreSQL server the harness did not start (so it cannot restart it); dropped at the end. */
public final class LocalDatabase implements ServiceDatabase {
  private final DatabaseUrl server;
  private final String name;

  private LocalDatabase(DatabaseUrl server, String name) {
    this.server = server;
    this.name = name;
  }

  public static LocalDatabase create(DatabaseUrl server, String name) {
    run(server, "CREATE DATABASE " + name);
    return new LocalDatabase(server, name);
  }

  @Override
  public DatabaseUrl url() {
    return server.withDatabase(name);
  }

  @Override
  public boolean restartable() {
    return false;
  }

  @Override
  public void restart() {
    throw new UnsupportedOperationException("restart-db needs the embedded database the harness starts itself");
  }

  @Override
  public void close() {
    run(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void run(DatabaseUrl url, String sql) {
    try (Connection connection = DriverManager.getConnection(url.jdbcUrl());
         Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " on " + url + ": " + e.getMessage(), e);
    }
  }
}
