package dev.coordinator.stress.bench;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.service.NodeProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Bench only, never the product: the floor of G1, the least a JVM HTTP layer costs on this
 * machine. A bare Vert.x HTTP server with the Vert.x PostgreSQL client, run by the bench as a
 * process of its own, doing the raw lock cycle's work ({@code lock_cycle.sql}, on the raw tables)
 * as a developer would write it: per request, read the JSON body, run the mutation and its audit
 * row in one transaction, answer JSON. No authentication, policy or validation: the caller's
 * bearer token is the holder. Arguments: port, database URL.
 */
public final class FloorServer {
  static final String ACQUIRE = """
      INSERT INTO bench_locks AS l (key, holder, fencing_token, acquired_at, expires_at)
        VALUES ($1, $2, nextval('bench_fencing'), now(), now() + make_interval(secs => $3))
        ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, fencing_token = excluded.fencing_token,
          acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
        WHERE l.expires_at <= excluded.acquired_at OR l.holder = excluded.holder
        RETURNING fencing_token, expires_at""";
  static final String RELEASE = "DELETE FROM bench_locks WHERE key = $1 AND holder = $2 RETURNING fencing_token";
  static final String AUDIT = "INSERT INTO bench_audit (agent, action, resource, outcome) VALUES ($1, $2, $3, $4)";
  /** As many connections as the bench's clients and the service's pool (its --db-pool-size default). */
  private static final int POOL_SIZE = 16;

  private FloorServer() {
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(POOL_SIZE))
        .connectingTo(new DatabaseUrl(args[1]).connectOptions().setCachePreparedStatements(true)).using(vertx).build();
    vertx.createHttpServer().requestHandler(request -> serve(pool, request)).listen(port, "127.0.0.1")
        .onSuccess(server -> System.out.println(NodeProcess.LISTENING + " http://127.0.0.1:" + server.actualPort() + "/ (bench floor server)"))
        .onFailure(error -> {
          error.printStackTrace();
          System.exit(1);
        });
  }

  private static void serve(Pool pool, HttpServerRequest request) {
    String holder = String.valueOf(request.getHeader("Authorization")).replaceFirst("^Bearer ", "");
    request.body().compose(body -> {
      JsonObject json = body.toJsonObject();
      String key = json.getString("key");
      return switch (request.path()) {
        case "/v1/locks/acquire" -> pool.withTransaction(connection -> acquire(connection, key, holder, json.getInteger("ttl_seconds", 60)));
        case "/v1/locks/release" -> pool.withTransaction(connection -> release(connection, key, holder));
        default -> Future.succeededFuture(new Answer(404, new JsonObject().put("error", "NOT_FOUND")));
      };
    }).onComplete(done -> {
      Answer answer = done.succeeded() ? done.result() : new Answer(500, new JsonObject().put("error", String.valueOf(done.cause())));
      request.response().setStatusCode(answer.status()).putHeader("Content-Type", "application/json").end(answer.body().encode());
    });
  }

  private static Future<Answer> acquire(SqlConnection connection, String key, String holder, int ttl) {
    return connection.preparedQuery(ACQUIRE).execute(Tuple.of(key, holder, ttl)).compose(rows -> {
      boolean granted = rows.size() == 1;
      return audit(connection, holder, "acquire_lock", key, granted).map(done -> granted
          ? new Answer(200, new JsonObject().put("lock", new JsonObject().put("key", key).put("holder", holder)
              .put("fencing_token", rows.iterator().next().getLong("fencing_token"))
              .put("expires_at", rows.iterator().next().getOffsetDateTime("expires_at").toString())))
          : new Answer(409, new JsonObject().put("error", "LOCK_HELD")));
    });
  }

  private static Future<Answer> release(SqlConnection connection, String key, String holder) {
    return connection.preparedQuery(RELEASE).execute(Tuple.of(key, holder)).compose(rows -> {
      boolean released = rows.size() == 1;
      return audit(connection, holder, "release_lock", key, released).map(done -> released
          ? new Answer(200, new JsonObject().put("released", true))
          : new Answer(409, new JsonObject().put("error", "NOT_LOCK_HOLDER")));
    });
  }

  private static Future<?> audit(SqlConnection connection, String holder, String action, String key, boolean ok) {
    return connection.preparedQuery(AUDIT).execute(Tuple.of(holder, action, key, ok ? "ok" : "error"));
  }

  private record Answer(int status, JsonObject body) {
  }
}
