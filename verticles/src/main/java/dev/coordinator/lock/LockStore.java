package dev.coordinator.lock;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.Lock;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.lock.LockReplies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** Runs one lock statement for an authorized command and turns its row into a reply. */
final class LockStore {

  /**
   * An acquire's reply and, when the lock was held, how many milliseconds the holder's lease has
   * left by the database's clock ({@code -1} when unknown). Only a held answer with a known lease
   * is worth waiting on; anything else is final.
   */
  record Attempt(Reply reply, long heldForMs) {
    static Attempt last(Reply reply) {
      return new Attempt(reply, -1);
    }

    boolean retryable() {
      return heldForMs >= 0 && reply instanceof Reply.Failure failure && failure.code() == ErrorCode.LOCK_HELD;
    }
  }

  /** The request header that names the caller's session. */
  private static final String SESSION_FIELD = "Coordinator-Session";

  private LockStore() {
  }

  static Future<Attempt> acquire(SqlClient client, Authorized authorized, LockCommand.Acquire acquire, boolean audited) {
    Tuple args = context(authorized).addString(acquire.key()).addInteger(acquire.ttlSeconds())
        .addString(acquire.reason()).addBoolean(audited);
    return client.preparedQuery(LockSql.ACQUIRE).execute(args).map(LockRows::single).map(row -> {
      if (!row.getBoolean("session_live")) {
        return Attempt.last(CoordinatorException.invalid(SESSION_FIELD,
            "session " + authorized.envelope().sessionId() + " has ended; start a new one").failure());
      }
      if (row.getBoolean("granted")) {
        String action = row.getBoolean("fresh") ? "acquired" : "refreshed";
        return Attempt.last(Reply.success(new LockReplies.Acquired(LockRows.lock(row), action)));
      }
      Lock held = LockRows.lock(row);
      JsonObject details = new JsonObject().put("holder", held.holder())
          .put("expires_at", held.expiresAt().toString()).put("session_id", held.sessionId());
      String message = "lock " + acquire.key() + " is held by " + held.holder()
          + (held.sessionId() == null ? "" : " in session " + held.sessionId());
      return new Attempt(new Reply.Failure(ErrorCode.LOCK_HELD, message, details), Math.max(0, row.getLong("held_ms")));
    });
  }

  static Future<Reply> release(SqlClient client, Authorized authorized, LockCommand.Release release) {
    Tuple args = context(authorized).addString(release.key()).addLong(release.fencingToken());
    return client.preparedQuery(LockSql.RELEASE).execute(args).map(LockRows::single)
        .map(row -> row.getString("error") == null
            ? Reply.success(new LockReplies.Released())
            : refusal(row, release.key(), authorized));
  }

  static Future<Reply> renew(SqlClient client, Authorized authorized, LockCommand.Renew renew) {
    Tuple args = context(authorized).addString(renew.key()).addLong(renew.fencingToken())
        .addInteger(renew.ttlSeconds());
    return client.preparedQuery(LockSql.RENEW).execute(args).map(LockRows::single)
        .map(row -> row.getString("error") == null
            ? Reply.success(new LockReplies.Renewed(LockRows.lock(row)))
            : refusal(row, renew.key(), authorized));
  }

  static Future<Reply> check(SqlClient client, LockCommand.Check check) {
    return client.preparedQuery(LockSql.CHECK).execute(Tuple.of(check.keys().toArray(String[]::new)))
        .map(rows -> {
          List<Lock> locks = new ArrayList<>(rows.size());
          rows.forEach(row -> locks.add(LockRows.lock(row)));
          return Reply.success(new LockReplies.Locks(locks));
        });
  }

  static Future<Reply> validate(SqlClient client, LockCommand.Validate validate) {
    return client.preparedQuery(LockSql.CURRENT_TOKEN).execute(Tuple.of(validate.key())).map(rows -> {
      Long current = rows.size() == 0 ? null : LockRows.single(rows).getLong("fencing_token");
      return Reply.success(new LockReplies.Validation(current != null && current == validate.fencingToken(), current));
    });
  }

  private static Reply refusal(Row row, String key, Authorized authorized) {
    ErrorCode code = ErrorCode.valueOf(row.getString("error"));
    String message = code == ErrorCode.STALE_FENCING_TOKEN
        ? "fencing token is not the current one for lock " + key
        : "agent " + authorized.principal().id() + " does not hold lock " + key;
    return new Reply.Failure(code, message, new JsonObject());
  }

  private static Tuple context(Authorized authorized) {
    return AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision());
  }
}
