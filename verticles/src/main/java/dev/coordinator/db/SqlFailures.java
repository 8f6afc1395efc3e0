package dev.coordinator.db;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what went wrong talking to the database into an API error: unreachable is
 * {@code UNAVAILABLE} (nothing was changed), a connection lost mid-mutation is {@code TIMEOUT}
 * (outcome unknown), anything else is {@code INTERNAL} with a correlation id that is also logged.
 */
public final class SqlFailures {
  private static final Logger LOG = LoggerFactory.getLogger(SqlFailures.class);

  private SqlFailures() {
  }

  public static Reply.Failure toFailure(Throwable error, boolean mutation) {
    if (error instanceof CoordinatorException known) {
      return known.failure();
    }
    if (unreachable(error)) {
      return Reply.Failure.of(ErrorCode.UNAVAILABLE, "the database is unreachable; nothing was changed");
    }
    if (error instanceof ClosedConnectionException && mutation) {
      return Reply.Failure.of(ErrorCode.TIMEOUT,
          "the database connection was lost; the outcome is unknown, retry with the same Idempotency-Key");
    }
    String correlation = UUID.randomUUID().toString();
    LOG.error("internal error, correlation id {}", correlation, error);
    return Reply.Failure.of(ErrorCode.INTERNAL, "internal error, correlation id " + correlation);
  }

  private static boolean unreachable(Throwable error) {
    if (error instanceof ConnectException || error instanceof ClosedConnectionException) {
      return true;
    }
    if (error instanceof PgException pg && pg.getSqlState() != null) {
      String state = pg.getSqlState();
      return state.startsWith("08") || state.startsWith("53") || state.equals("57P01") || state.equals("57P03");
    }
    return error instanceof VertxException && error.getMessage() != null
        && error.getMessage().contains("Timeout") && error.getMessage().contains("connection");
  }

  /** True when PostgreSQL broke a deadlock by rolling this transaction back (SQLSTATE 40P01). */
  public static boolean isDeadlock(Throwable error) {
    return error instanceof PgException pg && "40P01".equals(pg.getSqlState());
  }

  /** True when a statement failed on a unique constraint (SQLSTATE 23505). */
  public static boolean isUniqueViolation(Throwable error) {
    return error instanceof PgException pg && "23505".equals(pg.getSqlState());
  }
}
