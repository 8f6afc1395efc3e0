package dev.coordinator.db;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * The connection pool every verticle shares. Each pooled connection logs in as the service's
 * plain login ({@link ServiceLogin}) and runs as {@code coordinator_service} from its first
 * statement, so the running service has exactly that role's rights (no UPDATE or DELETE on the
 * audit trail, row-level security on), and no statement can take it further.
 */
public final class Pools {
  public static final String SERVICE_ROLE = "coordinator_service";
  /** A startup parameter, not a SET ROLE statement: a connection that cannot take the role fails. */
  private static final String SERVICE_ROLE_OPTION = "-c role=" + SERVICE_ROLE;

  /**
   * The client caches only statements up to 2048 characters by default; longer ones (ACQUIRE,
   * COMPLETE, FREE, ...) were parsed and planned again on every call, in two round trips.
   */
  private static final int MAX_CACHED_STATEMENT_LENGTH = 64 * 1024;

  private Pools() {
  }

  /** How every connection of the service (the pool's and the notification listener's) logs in. */
  public static PgConnectOptions connectOptions(DatabaseUrl database) {
    PgConnectOptions connect = database.connectOptions()
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(512)
        .setPreparedStatementCacheSqlLimit(MAX_CACHED_STATEMENT_LENGTH)
        .setPipeliningLimit(256);
    connect.addProperty("options", SERVICE_ROLE_OPTION);
    return connect;
  }

  public static Pool create(Vertx vertx, DatabaseUrl database, int maxSize) {
    PgConnectOptions connect = connectOptions(database);
    PoolOptions pool = new PoolOptions()
        .setMaxSize(maxSize)
        .setShared(true)
        .setName("coordinator-" + database)
        .setConnectionTimeout(5)
        .setConnectionTimeoutUnit(TimeUnit.SECONDS)
        .setMaxWaitQueueSize(10_000);
    return PgBuilder.pool()
        .with(pool)
        .connectingTo(connect)
        .using(vertx)
        .build();
  }
}
