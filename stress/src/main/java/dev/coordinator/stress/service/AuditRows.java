package dev.coordinator.stress.service;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Consumer;

/**
 * Reads the run's audit trail as the database's administrator, in id order and in pages, for the
 * checker's AUD-1 (one audit row per acknowledged mutation). The REST API's audit query is newest
 * first and capped; the whole trail of a long run is read faster with one cursor.
 */
public final class AuditRows {
  public static final int PAGE = 2_000;
  static final String ROWS = """
      SELECT id, agent, session_id, request_id, action, resource, decision, outcome FROM audit_log ORDER BY id""";

  private AuditRows() {
  }

  /** Hands every page of rows ({@code [{id, agent, session_id, request_id, action, resource, decision, outcome}]}) to {@code page}. */
  public static void read(ServiceDatabase database, Consumer<JsonArray> page) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database.url().jdbcUrl())) {
      // A cursor (fetch size) needs a transaction; otherwise the driver loads every row at once.
      connection.setAutoCommit(false);
      try (PreparedStatement statement = connection.prepareStatement(ROWS)) {
        statement.setFetchSize(PAGE);
        try (ResultSet rows = statement.executeQuery()) {
          JsonArray current = new JsonArray();
          while (rows.next()) {
            current.add(new JsonObject().put("id", rows.getLong(1)).put("agent", rows.getString(2))
                .put("session_id", rows.getString(3)).put("request_id", rows.getString(4)).put("action", rows.getString(5))
                .put("resource", rows.getString(6)).put("decision", rows.getString(7)).put("outcome", rows.getString(8)));
            if (current.size() == PAGE) {
              page.accept(current);
              current = new JsonArray();
            }
          }
          page.accept(current);
        }
      } finally {
        connection.rollback();
      }
    }
  }
}
