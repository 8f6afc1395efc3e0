package dev.coordinator.domain;

import dev.coordinator.agent.ApiKeys;
import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import dev.coordinator.db.SqlFailures;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Runs mutations so that a repeat with the same {@code Idempotency-Key} from the same agent
 * answers the first outcome and acts once (api.md §4). The outcome is stored in the mutation's
 * own transaction: two racing duplicates cannot both commit, because the loser's insert of the
 * key fails and rolls its mutation back; it then answers the winner's stored outcome.
 */
public final class Idempotency {
  static final String FIND = "SELECT request_hash, reply FROM idempotency_keys WHERE agent = $1 AND key = $2";
  static final String STORE =
      "INSERT INTO idempotency_keys (agent, key, request_hash, reply) VALUES ($1, $2, $3, $4::json)";

  private static final String KEYS_TABLE = "idempotency_keys";
  private static final String KEY_FIELD = "Idempotency-Key";

  /**
   * $1 retention hours, $2 batch size: deletes up to a batch of outcomes older than the retention,
   * skipping rows another node's sweep holds. After that a repeat of the key acts anew.
   */
  static final String PRUNE = """
      DELETE FROM idempotency_keys k USING (
        SELECT agent, key FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1::integer)
        ORDER BY created_at LIMIT $2::integer FOR UPDATE SKIP LOCKED
      ) old WHERE k.agent = old.agent AND k.key = old.key""";
  static final int PRUNE_BATCH = 1_000;

  private static final int DEADLOCK_RETRIES = 3;
  private final Pool pool;

  public Idempotency(Pool pool) {
    this.pool = pool;
  }

  /** Runs a mutation whose every outcome is final. */
  public Future<Reply> run(Authorized authorized, Function<SqlClient, Future<Reply>> attempt) {
    return run(authorized, reply -> true, attempt);
  }

  /**
   * Runs one attempt of {@code authorized}'s command. Without a key the attempt runs on the pool
   * (its statement is its own transaction); with one, inside a transaction that also stores the
   * reply if {@code keep} says it is the outcome (a waiter's attempt that found nothing is not:
   * it will try again).
   */
  public Future<Reply> run(Authorized authorized, Predicate<Reply> keep, Function<SqlClient, Future<Reply>> attempt) {
    return retryDeadlocks(() -> once(authorized, keep, attempt, false), DEADLOCK_RETRIES);
  }

  /** Runs a mutation of several statements, whose every outcome is final: they commit together, key or not. */
  public Future<Reply> runInTransaction(Authorized authorized, Function<SqlClient, Future<Reply>> attempt) {
    return retryDeadlocks(() -> once(authorized, reply -> true, attempt, true), DEADLOCK_RETRIES);
  }

  /**
   * A transaction PostgreSQL chose as a deadlock victim was rolled back whole (two cascades that
   * cancel overlapping dependents can meet head on), so running it again is safe.
   */
  private static Future<Reply> retryDeadlocks(java.util.function.Supplier<Future<Reply>> run, int retries) {
    return run.get().recover(error -> retries > 0 && SqlFailures.isDeadlock(error)
        ? retryDeadlocks(run, retries - 1)
        : Future.failedFuture(error));
  }

  /** Prunes outcomes older than {@code retentionHours}, a batch at a time until none is left; returns how many. */
  public static Future<Integer> prune(Pool pool, int retentionHours) {
    return pool.preparedQuery(PRUNE).execute(Tuple.of(retentionHours, PRUNE_BATCH)).compose(deleted ->
        deleted.rowCount() < PRUNE_BATCH
            ? Future.succeededFuture(deleted.rowCount())
            : prune(pool, retentionHours).map(more -> more + deleted.rowCount()));
  }

  private Future<Reply> once(Authorized authorized, Predicate<Reply> keep, Function<SqlClient, Future<Reply>> attempt,
                             boolean transaction) {
    String key = authorized.envelope().idempotencyKey();
    if (key == null || !authorized.command().mutates()) {
      return transaction ? pool.withTransaction(attempt::apply) : attempt.apply(pool);
    }
    byte[] hash = requestHash(authorized);
    return pool.withTransaction(connection -> find(connection, authorized, key)
            .compose(stored -> stored != null
                ? replay(connection, authorized, stored, hash)
                : attempt.apply(connection).compose(reply -> keep.test(reply)
                    ? store(connection, authorized, key, hash, reply)
                    : Future.succeededFuture(reply))))
        .recover(error -> SqlFailures.isUniqueViolation(error, KEYS_TABLE)
            ? pool.withTransaction(connection -> find(connection, authorized, key)
                .compose(stored -> stored == null ? Future.failedFuture(error) : replay(connection, authorized, stored, hash)))
            : Future.failedFuture(error));
  }

  private static Future<Row> find(SqlConnection connection, Authorized authorized, String key) {
    return connection.preparedQuery(FIND).execute(Tuple.of(authorized.envelope().agentId(), key))
        .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
  }

  private static Future<Reply> store(SqlConnection connection, Authorized authorized, String key, byte[] hash, Reply reply) {
    return connection.preparedQuery(STORE)
        .execute(Tuple.of(authorized.envelope().agentId(), key, Buffer.buffer(hash), encode(reply)))
        .map(reply);
  }

  /**
   * The stored outcome, with the replay's audit row; a key reused for a different request is a
   * refusal that changes nothing but its own audit row (HARD-2).
   */
  private static Future<Reply> replay(SqlConnection connection, Authorized authorized, Row stored, byte[] hash) {
    if (!Arrays.equals(stored.getBuffer("request_hash").getBytes(), hash)) {
      Reply.Failure reused = CoordinatorException.invalid(KEY_FIELD,
          "this Idempotency-Key was already used for a different request").failure();
      return connection.preparedQuery(AuditSql.INSERT)
          .execute(audit(authorized, "error", new JsonObject().put("error", reused.code().name()).put("field", KEY_FIELD)))
          .map(done -> reused);
    }
    return connection.preparedQuery(AuditSql.INSERT).execute(audit(authorized, "ok", new JsonObject().put("idempotent_replay", true)))
        .map(done -> decode(stored.getJsonObject("reply")));
  }

  private static Tuple audit(Authorized authorized, String outcome, JsonObject result) {
    return AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision())
        .addString(authorized.command().actionName())
        .addString(authorized.command().resource())
        .addString(outcome)
        .addValue(result);
  }

  static byte[] requestHash(Authorized authorized) {
    return ApiKeys.hash(authorized.command().actionName() + CommandJson.of(authorized.command()).encode());
  }

  static JsonObject encode(Reply reply) {
    return reply instanceof Reply.Failure failure
        ? failure.toJson()
        : new JsonObject().put("result", ((Reply.Success) reply).payload().toJson());
  }

  static Reply decode(JsonObject stored) {
    JsonObject error = stored.getJsonObject("error");
    if (error == null) {
      return Reply.success(new StoredPayload(stored.getJsonObject("result")));
    }
    return new Reply.Failure(ErrorCode.valueOf(error.getString("code")), error.getString("message"),
        error.getJsonObject("details"));
  }
}
