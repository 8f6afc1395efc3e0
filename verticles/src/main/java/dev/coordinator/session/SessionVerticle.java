package dev.coordinator.session;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Document;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.metrics.Metrics;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import dev.coordinator.domain.Idempotency;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns sessions: registration, heartbeats, ending, discovery, and the reaper that closes sessions
 * silent for longer than the timeout. Closing a session releases exactly its locks, gives its
 * claimed tasks back to the queue and takes its waits out of line, in one transaction; the
 * database tells every node once it committed (the V11 triggers), so the session's waits end and
 * other waiters wake and find what it freed, on whichever node they wait.
 */
public final class SessionVerticle extends PooledVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(SessionVerticle.class);

  private final int timeoutSeconds;
  private final long sweepIntervalMs;
  private Idempotency idempotency;
  private long reaper;
  private boolean reaping;

  private final Metrics metrics;

  public SessionVerticle(DatabaseUrl database, int poolSize, int timeoutSeconds, long sweepIntervalMs, Metrics metrics) {
    super(database, poolSize);
    this.metrics = metrics;
    this.timeoutSeconds = timeoutSeconds;
    this.sweepIntervalMs = sweepIntervalMs;
  }

  @Override
  protected Future<?> startWithPool() {
    idempotency = new Idempotency(pool);
    reaper = vertx.setPeriodic(sweepIntervalMs, id -> reap());
    return serve(Addresses.SESSIONS, authorized -> ((SessionCommand) authorized.command()).accept(new Operations(authorized)));
  }

  @Override
  protected Future<?> stopBeforePool() {
    vertx.cancelTimer(reaper);
    return Future.succeededFuture();
  }


  private void reap() {
    if (reaping) {
      return;
    }
    reaping = true;
    String why = "session silent for " + timeoutSeconds + " s";
    pool.withTransaction(connection -> connection.preparedQuery(SessionSql.REAP)
            .execute(AuditContext.system(why).addInteger(timeoutSeconds))
            .compose(rows -> {
              String[] closed = closedIds(rows);
              metrics.sessionsReaped(closed.length);
              return free(connection, AuditContext.system(why), closed);
            }))
        .onFailure(error -> LOG.warn("session reaping failed; the next pass retries: {}", error.getMessage()))
        .onComplete(done -> reaping = false);
  }

  private static String[] closedIds(RowSet<Row> rows) {
    return rows.iterator().next().getArrayOfStrings("closed");
  }

  /** Frees what the sessions just closed in this transaction held; a statement of its own (a fresh snapshot). */
  private static Future<Freed> free(SqlClient client, Tuple context, String[] closed) {
    if (closed.length == 0) {
      return Future.succeededFuture(new Freed(new String[0], 0));
    }
    return client.preparedQuery(SessionSql.FREE).execute(context.addArrayOfString(closed)).map(rows -> {
      Row row = rows.iterator().next();
      return new Freed(row.getArrayOfStrings("released_keys"), row.getLong("returned_tasks"));
    });
  }

  /** What closing sessions freed. */
  private record Freed(String[] releasedKeys, long returnedTasks) {
  }

  /** One command's work; the visitor makes a new session command a compile error here. */
  private final class Operations implements SessionCommand.Handler<Future<Reply>> {
    private final Authorized authorized;

    Operations(Authorized authorized) {
      this.authorized = authorized;
    }

    private Tuple context() {
      return AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision());
    }

    @Override
    public Future<Reply> register(SessionCommand.Register command) {
      Tuple args = context().addValue(UUID.randomUUID())
          .addArrayOfString(command.capabilities().toArray(String[]::new)).addString(command.currentTask());
      return idempotency.run(authorized, client -> client.preparedQuery(SessionSql.REGISTER).execute(args)
          .map(rows -> session(rows.iterator().next().getJsonObject("session"))));
    }

    @Override
    public Future<Reply> heartbeat(SessionCommand.Heartbeat command) {
      UUID id = UUID.fromString(command.sessionId());
      if (command.implicit()) {
        return pool.preparedQuery(SessionSql.TOUCH).execute(Tuple.of(id, authorized.principal().id()))
            .map(rows -> heartbeaten(rows.iterator().next(), command));
      }
      Tuple args = context().addValue(id).addString(command.currentTask());
      return idempotency.run(authorized, client -> client.preparedQuery(SessionSql.HEARTBEAT).execute(args)
          .map(rows -> heartbeaten(rows.iterator().next(), command)));
    }

    private Reply heartbeaten(Row row, SessionCommand.Heartbeat command) {
      String error = row.getString("error");
      return error == null ? session(row.getJsonObject("session")) : refusal(error, command.sessionId());
    }

    @Override
    public Future<Reply> end(SessionCommand.End command) {
      UUID id = UUID.fromString(command.sessionId());
      return idempotency.runInTransaction(authorized, client -> client.preparedQuery(SessionSql.END).execute(context().addValue(id)).compose(rows -> {
          String[] closed = closedIds(rows);
          if (closed.length == 0) {
            // An end that closed nothing changed nothing, but it is a decision all the same (HARD-2).
            return client.preparedQuery(SessionSql.STATUS).execute(Tuple.of(id, authorized.principal().id()))
                .map(status -> status.size() == 0 ? "NOT_FOUND" : "INVALID_STATE")
                .compose(error -> client.preparedQuery(AuditSql.INSERT)
                    .execute(context().addString(command.actionName()).addString(command.sessionId()).addString("error")
                        .addValue(new JsonObject().put("error", error)))
                    .map(done -> refusal(error, command.sessionId())));
          }
          return free(client, context(), closed).map(freed -> Reply.success(new Document(new JsonObject()
              .put("released_locks", freed.releasedKeys().length).put("requeued_tasks", freed.returnedTasks()))));
        }));
    }

    @Override
    public Future<Reply> discover(SessionCommand.Discover command) {
      return pool.preparedQuery(SessionSql.DISCOVER).execute(Tuple.of(command.capability(), command.status()))
          .map(rows -> {
            JsonArray agents = new JsonArray();
            rows.forEach(row -> agents.add(row.getJsonObject("agent")));
            return Reply.success(new Document(new JsonObject().put("agents", agents)));
          });
    }

    private Reply session(JsonObject session) {
      return Reply.success(new Document(new JsonObject().put("session", session)));
    }

    private Reply refusal(String error, String sessionId) {
      return error.equals("NOT_FOUND")
          ? Reply.Failure.of(ErrorCode.NOT_FOUND, "you have no session " + sessionId)
          : Reply.Failure.of(ErrorCode.INVALID_STATE, "session " + sessionId + " has ended");
    }
  }
}
