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
   * An acquire's reply; when it was refused but may still be granted (the caller is in the key's
   * line), in how many milliseconds something changes that no notification announces, by the
   * database's clock: the holder's lease ends, or the earliest waiter ahead runs out of time
   * ({@code -1} when unknown); and the caller's place in line ({@code -1} when not in it). Only a
   * held answer with a known time is worth waiting on; anything else is final.
   */
  record Attempt(Reply reply, long heldForMs, long seq) {
    Attempt(Reply reply, long heldForMs) {
      this(reply, heldForMs, -1);
    }

    static Attempt last(Reply reply) {
      return new Attempt(reply, -1);
    }

    boolean retryable() {
      return heldForMs >= 0 && reply instanceof Reply.Failure failure && failure.code() == ErrorCode.LOCK_HELD;
    }
  }

  /**
   * Where an acquire stands in the key's line of waiters: in it ({@code seq}), entering it if
   * refused ({@code enteringOn}, this node's id, with {@code waitMs}), or neither (it does not wait,
   * or it is a waiter's last attempt before entering).
   */
  record Place(Long seq, String enteringOn, int waitMs) {
    static final Place NONE = new Place(null, null, 0);
  }

  private LockStore() {
  }

  static Future<Attempt> acquire(SqlClient client, Authorized authorized, LockCommand.Acquire acquire, boolean last,
                                 Place place) {
    Tuple args = context(authorized).addString(acquire.key()).addInteger(acquire.ttlSeconds())
        .addString(acquire.reason()).addBoolean(last).addLong(place.seq()).addString(place.enteringOn())
        .addInteger(place.waitMs());
    return client.preparedQuery(LockSql.ACQUIRE).execute(args).map(LockRows::single).map(row -> {
      if (!row.getBoolean("session_live")) {
        return Attempt.last(SessionEnded.refusal(authorized.envelope().sessionId()));
      }
      if (row.getBoolean("granted")) {
        String action = row.getBoolean("fresh") ? "acquired" : "refreshed";
        return Attempt.last(Reply.success(new LockReplies.Acquired(LockRows.lock(row), action)));
      }
      if (place.seq() != null && !row.getBoolean("in_line")) {
        return Attempt.last(cancelled(acquire.key()));
      }
      int ahead = row.getInteger("ahead");
      Reply.Failure held = held(row, acquire.key(), ahead == 0 ? "" : "; " + ahead + " earlier waiter(s) in line come first");
      if (ahead > 0) {
        held.details().put("waiters_ahead", ahead);
      }
      Long retry = row.getLong("retry_ms");
      Long seq = row.getLong("seq");
      return new Attempt(held, retry == null || seq == null ? -1 : Math.max(0, retry), seq == null ? -1 : seq);
    });
  }

  /** The answer of a wait that was taken out of line (cancelled, here or on another node). */
  static Reply.Failure cancelled(String key) {
    return Reply.Failure.of(ErrorCode.LOCK_HELD, "the wait for lock " + key + " was cancelled");
  }

  /** The audited LOCK_HELD of a waiter whose time ran out behind earlier waiters; it leaves the line. */
  static Future<Reply> refuseQueued(SqlClient client, Authorized authorized, LockCommand.Acquire acquire, long seq) {
    Tuple args = context(authorized).addString(acquire.key()).addLong(seq);
    return client.preparedQuery(LockSql.REFUSE_QUEUED).execute(args).map(LockRows::single).map(row -> {
      int ahead = row.getInteger("ahead");
      Reply.Failure held = held(row, acquire.key(), "; the wait ran out with " + ahead + " earlier waiter(s) still in line");
      held.details().put("waiters_ahead", ahead);
      return held;
    });
  }

  /** Takes a waiter out of line without an answer to record (its wait was cancelled while it entered). */
  static Future<Void> leave(SqlClient client, long seq) {
    return client.preparedQuery(LockSql.LEAVE).execute(Tuple.of(seq)).mapEmpty();
  }

  /** Takes {@code agent}'s waiting acquire {@code requestId} out of line wherever it waits; true if it was in line. */
  static Future<Boolean> cancelWait(SqlClient client, String agent, String requestId) {
    return client.preparedQuery(LockSql.CANCEL_WAIT).execute(Tuple.of(agent, requestId)).map(rows -> rows.size() > 0);
  }

  /** LOCK_HELD naming the live holder of {@code row}, if any (none when the lock is free but promised to earlier waiters). */
  private static Reply.Failure held(Row row, String key, String more) {
    String holder = row.getString("held_by");
    String session = row.getString("held_session");
    OffsetDateTime until = row.getOffsetDateTime("held_until");
    JsonObject details = new JsonObject().put("holder", holder)
        .put("expires_at", until == null ? null : until.toInstant().toString()).put("session_id", session);
    String message = "lock " + key + (holder == null ? " is free but promised" : " is held by " + holder)
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
