package dev.coordinator.lock;

import dev.coordinator.bus.lock.Lock;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Reads lock rows ({@link LockSql#LOCK_COLUMNS}) into API records. */
final class LockRows {
  private LockRows() {
  }

  static Lock lock(Row row) {
    return new Lock(row.getString("key"), row.getString("holder"), row.getString("agent_type"),
        row.getString("session_id"), row.getLong("fencing_token"), row.getString("reason"),
        instant(row, "acquired_at"), instant(row, "expires_at"));
  }

  static Instant instant(Row row, String column) {
    OffsetDateTime time = row.getOffsetDateTime(column);
    return time == null ? null : time.toInstant();
  }

  static Row single(RowSet<Row> rows) {
    return rows.iterator().next();
  }
}
