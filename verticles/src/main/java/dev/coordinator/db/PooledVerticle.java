package dev.coordinator.db;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Reply;
import java.util.function.Function;

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

  /**
   * Takes the policy-stamped commands of a domain address: each is handled, and whatever goes
   * wrong (a failed future or a thrown exception) becomes an API error reply, never silence.
   */
  protected Future<Void> serve(String address, Function<Authorized, Future<Reply>> handler) {
    return vertx.eventBus().<Authorized>localConsumer(address, message -> {
      Authorized authorized = message.body();
      Future<Reply> reply;
      try {
        reply = handler.apply(authorized);
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.recover(error -> Future.succeededFuture(SqlFailures.toFailure(error, authorized.command().mutates())))
          .onSuccess(message::reply);
    }).completion();
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
