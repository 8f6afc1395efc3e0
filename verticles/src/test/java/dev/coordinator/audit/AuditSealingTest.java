package dev.coordinator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * AUD-2 under concurrent writers: sealing after commit (sql/V14) seals every committed row exactly
 * once, in a chain that verifies, however writers' transactions interleave with sealers: slow
 * transactions that commit after newer ones, transactions that roll back, and two sealers whose
 * turns overlap. One thread drives several connections in a seeded order, so a failing
 * interleaving replays exactly: rerun with {@code -Dseed=...}.
 */
@Tag("AUD-2")
class AuditSealingTest {
  private static final int WRITERS = 6;
  private static final int STEPS = 600;
  private static final String INSERT = "INSERT INTO audit_log (agent, action, decision, outcome)"
      + " VALUES ('w' || ?, 'acquire_lock', 'allow', 'ok') RETURNING id";
  private static final String SEAL = "SELECT audit_seal(?)";

  /** A writer's connection and the rows its open transaction wrote. */
  private record Writer(Connection connection, List<Long> pending) {
  }

  /** A sealer's connection; it holds the sealing turn from a call until its commit. */
  private static final class Sealer {
    final Connection connection;
    boolean holding;

    Sealer(Connection connection) {
      this.connection = connection;
    }
  }

  @Test
  void everyCommittedRowIsSealedExactlyOnceInAValidChainWhateverTheInterleaving() throws SQLException {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("AuditSealingTest seed " + seed + " (rerun with -Dseed=" + seed + ")");
    Random random = new Random(seed);
    Set<Long> committed = new TreeSet<>();
    Set<Long> rolledBack = new TreeSet<>();
    try (TestDatabase database = TestDatabase.create()) {
      List<Writer> writers = new ArrayList<>();
      List<Sealer> sealers = new ArrayList<>();
      try {
        for (int i = 0; i < WRITERS; i++) {
          writers.add(new Writer(open(database), new ArrayList<>()));
        }
        sealers.add(new Sealer(sealerConnection(database)));
        sealers.add(new Sealer(sealerConnection(database)));
        for (int step = 0; step < STEPS; step++) {
          if (random.nextInt(4) == 0) {
            seal(sealers, random.nextInt(sealers.size()), random, seed);
          } else {
            write(writers.get(random.nextInt(WRITERS)), random, committed, rolledBack);
          }
        }
        for (Writer writer : writers) {
          writer.connection().commit();
          committed.addAll(writer.pending());
        }
        for (Sealer sealer : sealers) {
          sealer.connection.commit();
        }
      } finally {
        for (Writer writer : writers) {
          writer.connection().close();
        }
        for (Sealer sealer : sealers) {
          sealer.connection.close();
        }
      }
      database.awaitAuditSealed();

      List<Long> sealedInOrder = database.query("SELECT audit_id FROM audit_seals ORDER BY seq").stream()
          .map(row -> (Long) row.get("audit_id")).toList();
      assertEquals(committed, new TreeSet<>(sealedInOrder), "seed " + seed + ": the sealed rows are not the committed rows");
      assertEquals(committed.size(), sealedInOrder.size(), "seed " + seed + ": a row was sealed twice");
      assertTrue(rolledBack.stream().noneMatch(sealedInOrder::contains), "seed " + seed);
      assertTrue(outOfIdOrder(sealedInOrder), "seed " + seed
          + ": no row of a slow transaction was sealed after a newer row, so the interleaving tested nothing");
      Map<String, Object> verified = database.query(AuditVerticle.VERIFY.replace("$1::bigint", "?::bigint"), 60_000L).get(0);
      assertNull(verified.get("first_bad_seal"), "seed " + seed + ": " + verified);
      assertEquals(0L, verified.get("unsealed"), "seed " + seed + ": " + verified);
      assertEquals((long) committed.size(), verified.get("checked"), "seed " + seed + ": " + verified);
    }
  }

  private static Connection open(TestDatabase database) throws SQLException {
    Connection connection = DriverManager.getConnection(database.url().jdbcUrl());
    connection.setAutoCommit(false);
    return connection;
  }

  /**
   * A sealer never waits on a lock (a turn that is taken is skipped), so a wait means two sealers
   * met: it fails the test at once instead of hanging the one thread that drives them all.
   */
  private static Connection sealerConnection(TestDatabase database) throws SQLException {
    Connection connection = open(database);
    try (var statement = connection.createStatement()) {
      statement.execute("SET lock_timeout = '5s'");
    }
    connection.commit();
    return connection;
  }

  /** Writes a row in the writer's transaction, or ends it: mostly commits, sometimes rolls back. */
  private static void write(Writer writer, Random random, Set<Long> committed, Set<Long> rolledBack) throws SQLException {
    int choice = random.nextInt(10);
    if (writer.pending().isEmpty() || choice < 5) {
      try (PreparedStatement insert = writer.connection().prepareStatement(INSERT)) {
        insert.setString(1, Integer.toString(choice));
        try (ResultSet id = insert.executeQuery()) {
          id.next();
          writer.pending().add(id.getLong(1));
        }
      }
    } else if (choice < 9) {
      writer.connection().commit();
      committed.addAll(writer.pending());
      writer.pending().clear();
    } else {
      writer.connection().rollback();
      rolledBack.addAll(writer.pending());
      writer.pending().clear();
    }
  }

  /**
   * One sealer's move: a sealer holding the turn commits and gives it up; otherwise it seals a
   * small batch and keeps the turn, and while it does the other sealer must find the turn taken.
   */
  private static void seal(List<Sealer> sealers, int which, Random random, long seed) throws SQLException {
    Sealer sealer = sealers.get(which);
    if (sealer.holding) {
      sealer.connection.commit();
      sealer.holding = false;
      return;
    }
    int sealed = sealOnce(sealer.connection, 1 + random.nextInt(6));
    boolean otherHolds = sealers.stream().anyMatch(other -> other != sealer && other.holding);
    if (otherHolds) {
      assertEquals(0, sealed, "seed " + seed + ": two sealers sealed at once");
      sealer.connection.commit();
    } else {
      sealer.holding = true;
    }
  }

  private static int sealOnce(Connection connection, int batch) throws SQLException {
    try (PreparedStatement seal = connection.prepareStatement(SEAL)) {
      seal.setInt(1, batch);
      try (ResultSet result = seal.executeQuery()) {
        result.next();
        return result.getInt(1);
      }
    }
  }

  private static boolean outOfIdOrder(List<Long> sealedInOrder) {
    for (int i = 1; i < sealedInOrder.size(); i++) {
      if (sealedInOrder.get(i) < sealedInOrder.get(i - 1)) {
        return true;
      }
    }
    return false;
  }
}
