package dev.coordinator.db;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;

/** A verticle that works on the shared connection pool: takes it on start, gives it back on stop. */
public abstract class PooledVerticle extends VerticleBase {
  private final DatabaseUrl database;
  private final int poolSize;
  protected Pool pool;

  protected PooledVerticle(DatabaseUrl database, int poolSize) {
    this.database = database;
    this.poolSize = poolSize;
  }

  protected DatabaseUrl database() {
    return database;
  }

  /** Registers the verticle's consumers; the pool is ready. */
  protected abstract Future<?> startWithPool();

  /** Releases what the verticle holds besides the pool. */
  protected Future<?> stopBeforePool() {
    return Future.succeededFuture();
  }

  @Override
  public final Future<?> start() {
    pool = Pools.create(vertx, database, poolSize);
    return startWithPool();
  }

  @Override
  public final Future<?> stop() {
    return stopBeforePool().eventually(() -> pool.close());
  }
}
