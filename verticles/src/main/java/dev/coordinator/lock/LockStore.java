package dev.coordinator.lock;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.Lock;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.lock.LockReplies;
import dev.coordinator.domain.SessionEnded;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
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

  private LockStore() {
  }

  static Future<Attempt> acquire(SqlClient client, Authorized authorized, LockCommand.Acquire acquire, boolean audited) {
    Tuple args = context(authorized).addString(acquire.key()).addInteger(acquire.ttlSeconds())
        .addString(acquire.reason()).addBoolean(audited);
    return client.preparedQuery(LockSql.ACQUIRE).execute(args).map(LockRows::single).map(row -> {
      if (!row.getBoolean("session_live")) {
        return Attempt.last(SessionEnded.refusal(authorized.envelope().sessionId()));
      }
      if (row.getBoolean("granted")) {
        String action = row.getBoolean("fresh") ? "acquired" : "refreshed";
        return Attempt.last(Reply.success(new LockReplies.Acquired(LockRows.lock(row), action)));
      }
      return new Attempt(held(row, acquire.key(), ""), Math.max(0, row.getLong("held_ms")));
    });
  }

  /** The audited LOCK_HELD of a waiter whose time ran out with {@code ahead} earlier waiters in line. */
  static Future<Reply> refuseQueued(SqlClient client, Authorized authorized, LockCommand.Acquire acquire, int ahead) {
    Tuple args = context(authorized).addString(acquire.key()).addInteger(ahead);
    return client.preparedQuery(LockSql.REFUSE_QUEUED).execute(args).map(LockRows::single).map(row -> {
      Reply.Failure held = held(row, acquire.key(), "; the wait ran out with " + ahead + " earlier waiter(s) still in line");
      held.details().put("waiters_ahead", ahead);
      return held;
    });
  }

  /** LOCK_HELD naming the holder of {@code row} (none when the lock is free but promised to earlier waiters). */
  private static Reply.Failure held(Row row, String key, String more) {
    String holder = row.getString("holder");
    String session = row.getString("session_id");
    OffsetDateTime until = row.getOffsetDateTime("expires_at");
    JsonObject details = new JsonObject().put("holder", holder)
        .put("expires_at", until == null ? null : until.toInstant().toString()).put("session_id", session);
    String message = "lock " + key + " is held" + (holder == null ? "" : " by " + holder)
        + (session == null ? "" : " in session " + session) + more;
    return new Reply.Failure(ErrorCode.LOCK_HELD, message, details);
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
