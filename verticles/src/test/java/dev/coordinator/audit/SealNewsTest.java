package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.cluster.WakeRelay;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * OPS-2 (sql/V15): a sealing pass tells every node (NOTIFY on the wake-up channel) when it sealed a
 * row other than a read, and says nothing for reads alone, so a dashboard's own audited reads
 * cannot make it re-read again and again.
 */
class SealNewsTest {
  private static final String INSERT = "INSERT INTO audit_log (agent, action, decision, outcome) VALUES ('t', ?, 'allow', 'ok')";
  private static final String SEAL = "SELECT audit_seal(100, ?)";
  private static final int PATIENCE_MS = 30_000;

  @Test
  @DisplayName("OPS-2: a pass that sealed only reads notifies nothing; a pass that sealed a change notifies audit:<its last seal>")
  void onlyChangesAreNews() throws Exception {
    String read = AuditSealer.QUIET_ACTIONS[0];
    String change = Commands.action(Commands.mutations().get(0)).value();
    assertTrue(Arrays.asList(AuditSealer.QUIET_ACTIONS).contains("check_locks"), "the dashboard's reads are quiet");
    try (TestDatabase database = TestDatabase.create();
         Connection listener = DriverManager.getConnection(database.url().jdbcUrl());
         Connection writer = DriverManager.getConnection(database.url().jdbcUrl())) {
      sealEverything(writer);
      try (Statement listen = listener.createStatement()) {
        listen.execute("LISTEN " + WakeRelay.CHANNEL);
      }
      write(writer, read);
      sealEverything(writer);
      write(writer, change);
      sealEverything(writer);
      long last = ((Number) database.value("SELECT max(seq) FROM audit_seals")).longValue();
      // Notifications arrive in commit order: had the pass that sealed the read notified, it would come first.
      PGNotification[] heard = listener.unwrap(PGConnection.class).getNotifications(PATIENCE_MS);
      assertNotNull(heard, "no notification within " + PATIENCE_MS + " ms");
      assertEquals("audit:" + last, heard[0].getParameter(), "the first news is the pass that sealed the change");
    }
  }

  private static void write(Connection writer, String action) throws SQLException {
    try (PreparedStatement insert = writer.prepareStatement(INSERT)) {
      insert.setString(1, action);
      insert.executeUpdate();
    }
  }

  /** Seals as the service does until no row is left (a transaction running anywhere on the server holds sealing back). */
  private static void sealEverything(Connection writer) {
    Await.until("every audit row is sealed", () -> {
      try {
        seal(writer);
        try (Statement count = writer.createStatement();
             ResultSet left = count.executeQuery("SELECT count(*) FROM audit_log a"
                 + " WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.audit_id = a.id)")) {
          left.next();
          return left.getLong(1) == 0;
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static int seal(Connection writer) throws SQLException {
    try (PreparedStatement seal = writer.prepareStatement(SEAL)) {
      seal.setArray(1, writer.createArrayOf("text", AuditSealer.QUIET_ACTIONS));
      try (ResultSet sealed = seal.executeQuery()) {
        sealed.next();
        return sealed.getInt(1);
      }
    }
  }
}
