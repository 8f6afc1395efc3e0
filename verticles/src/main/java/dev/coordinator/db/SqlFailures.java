package dev.coordinator.db;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what went wrong talking to the database into an API error, by what the caller can know
 * about the outcome (the rule is in docs/running.md):
 * <ul>
 *   <li>no connection could be had, so nothing was sent: {@code UNAVAILABLE}, nothing was changed;</li>
 *   <li>the database rolled the transaction back (a serialization failure, a deadlock, a unique
 *       violation nobody handles): {@code UNAVAILABLE}, nothing was changed;</li>
 *   <li>the connection was lost after a statement was sent (the backend was terminated, the
 *       socket reset): for a read {@code UNAVAILABLE}; for a mutation the commit may or may not
 *       have happened, so {@code TIMEOUT}: the outcome is unknown, retry with the same Idempotency-Key;</li>
 *   <li>anything else is {@code INTERNAL} with a correlation id that is also logged.</li>
 * </ul>
 */
public final class SqlFailures {
  private static final Logger LOG = LoggerFactory.getLogger(SqlFailures.class);
  /** SQLSTATEs a server answers while a connection is being established, before any statement. */
  private static final Set<String> NOT_CONNECTED = Set.of("08001", "08004", "53300", "57P03");
  /** SQLSTATEs of a session the server ended, or a link that broke, while a statement could be under way. */
  private static final Set<String> LOST = Set.of("08000", "08003", "08006", "08007", "57P01", "57P02", "57P05");

  static final String NOTHING_CHANGED = "nothing was changed; retry later";
  static final String UNKNOWN_OUTCOME =
      "the outcome is unknown (it may have been applied); retry with the same Idempotency-Key to learn it";

  private SqlFailures() {
  }

  public static Reply.Failure toFailure(Throwable error, boolean mutation) {
    if (error instanceof CoordinatorException known) {
      return known.failure();
    }
    if (notConnected(error)) {
      return Reply.Failure.of(ErrorCode.UNAVAILABLE, "the database is unreachable; " + NOTHING_CHANGED);
    }
    if (rolledBack(error)) {
      return Reply.Failure.of(ErrorCode.UNAVAILABLE,
          "the database rolled the transaction back (it met a concurrent one); " + NOTHING_CHANGED);
    }
    if (isUniqueViolation(error)) {
      LOG.warn("a statement met a unique violation it does not handle (constraint {}); it was rolled back",
          ((PgException) error).getConstraint());
      return Reply.Failure.of(ErrorCode.UNAVAILABLE, "a concurrent change conflicted with this one; " + NOTHING_CHANGED);
    }
    if (connectionLost(error)) {
      return mutation
          ? Reply.Failure.of(ErrorCode.TIMEOUT, "the database connection was lost while the change was under way; "
              + UNKNOWN_OUTCOME)
          : Reply.Failure.of(ErrorCode.UNAVAILABLE, "the database connection was lost; " + NOTHING_CHANGED);
    }
    String correlation = UUID.randomUUID().toString();
    LOG.error("internal error, correlation id {}", correlation, error);
    return Reply.Failure.of(ErrorCode.INTERNAL, "internal error, correlation id " + correlation);
  }

  /** No connection could be had: the pool could not connect, or gave up waiting for a free one. */
  private static boolean notConnected(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException || sqlState(cause, NOT_CONNECTED)) {
        return true;
      }
    }
    return error instanceof VertxException && error.getMessage() != null
        && error.getMessage().contains("Timeout") && error.getMessage().contains("connection");
  }

  private static boolean connectionLost(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof ClosedConnectionException || cause instanceof IOException || sqlState(cause, LOST)) {
        return true;
      }
    }
    return false;
  }

  /** Class 40: the server rolled the whole transaction back. */
  private static boolean rolledBack(Throwable error) {
    return error instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("40");
  }

  private static boolean sqlState(Throwable error, Set<String> states) {
    return error instanceof PgException pg && states.contains(pg.getSqlState());
  }

  /** True when PostgreSQL broke a deadlock by rolling this transaction back (SQLSTATE 40P01). */
  public static boolean isDeadlock(Throwable error) {
    return error instanceof PgException pg && "40P01".equals(pg.getSqlState());
  }

  /** True when a statement failed on a unique constraint (SQLSTATE 23505). */
  public static boolean isUniqueViolation(Throwable error) {
    return error instanceof PgException pg && "23505".equals(pg.getSqlState());
  }

  /** True when a statement failed on a unique constraint of {@code table}. */
  public static boolean isUniqueViolation(Throwable error, String table) {
    return isUniqueViolation(error) && table.equals(((PgException) error).getTable());
  }
}
