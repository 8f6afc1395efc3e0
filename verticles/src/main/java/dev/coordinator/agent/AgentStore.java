package dev.coordinator.agent;

import dev.coordinator.db.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Creates and updates agents for the operator (the {@code agent add} command, the agents file,
 * the demo agents). It runs outside the request path, as the schema owner, over JDBC; each
 * change is recorded in the audit trail in the same transaction, with the operator as actor.
 */
public final class AgentStore {
  static final String UPSERT = """
      INSERT INTO agents (id, agent_type, trust, key_hash, allowed_actions, blocked_actions) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET agent_type = excluded.agent_type, trust = excluded.trust,
        key_hash = excluded.key_hash, allowed_actions = excluded.allowed_actions,
        blocked_actions = excluded.blocked_actions, updated_at = now()
      RETURNING (xmax = 0) AS created""";
  static final String AUDIT = """
      INSERT INTO audit_log (agent, agent_type, action, resource, decision, reason, engine, outcome, params, result)
      VALUES ('operator', 'operator', 'register_agent', ?, 'allow', ?, 'operator', 'ok',
              jsonb_build_object('id', ?::text, 'type', ?::text, 'trust', ?::int, 'allowed_actions', ?::text[],
                                 'blocked_actions', ?::text[]),
              jsonb_build_object('created', ?::boolean))""";
  static final String COUNT = "SELECT count(*) FROM agents";

  private final DatabaseUrl database;

  public AgentStore(DatabaseUrl database) {
    this.database = database;
  }

  /** Creates or updates each agent; returns for each whether it was new. */
  public List<Boolean> upsert(List<AgentSpec> agents, String via) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database.jdbcUrl())) {
      connection.setAutoCommit(false);
      try {
        List<Boolean> created = agents.stream().map(agent -> upsert(connection, agent, via)).toList();
        connection.commit();
        return created;
      } catch (RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  public long count() throws SQLException {
    try (Connection connection = DriverManager.getConnection(database.jdbcUrl());
         PreparedStatement statement = connection.prepareStatement(COUNT);
         ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static boolean upsert(Connection connection, AgentSpec agent, String via) {
    try (PreparedStatement upsert = connection.prepareStatement(UPSERT);
         PreparedStatement audit = connection.prepareStatement(AUDIT)) {
      upsert.setString(1, agent.id());
      upsert.setString(2, agent.type());
      upsert.setInt(3, agent.trust());
      upsert.setBytes(4, ApiKeys.hash(agent.key()));
      upsert.setArray(5, agent.allowedActions() == null ? null
          : connection.createArrayOf("text", agent.allowedActions().toArray()));
      upsert.setArray(6, connection.createArrayOf("text", agent.blockedActions().toArray()));
      boolean created;
      try (ResultSet rows = upsert.executeQuery()) {
        rows.next();
        created = rows.getBoolean(1);
      }
      audit.setString(1, agent.id());
      audit.setString(2, via);
      audit.setString(3, agent.id());
      audit.setString(4, agent.type());
      audit.setInt(5, agent.trust());
      audit.setArray(6, agent.allowedActions() == null ? null
          : connection.createArrayOf("text", agent.allowedActions().toArray()));
      audit.setArray(7, connection.createArrayOf("text", agent.blockedActions().toArray()));
      audit.setBoolean(8, created);
      audit.executeUpdate();
      return created;
    } catch (SQLException e) {
      throw new IllegalStateException("could not store agent " + agent.id() + ": " + e.getMessage(), e);
    }
  }
}
