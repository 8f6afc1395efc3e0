package dev.coordinator.db;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Health;
import dev.coordinator.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;

/** Answers whether the database responds, for {@code GET /health}. */
public final class HealthVerticle extends VerticleBase {
  private static final String PING = "SELECT 1";
  private final DatabaseUrl database;
  private final int poolSize;
  private Pool pool;

  public HealthVerticle(DatabaseUrl database, int poolSize) {
    this.database = database;
    this.poolSize = poolSize;
  }

  @Override
  public Future<?> start() {
    pool = Pools.create(vertx, database, poolSize);
    return vertx.eventBus().<Health>localConsumer(Addresses.HEALTH, message -> pool.query(PING).execute()
        .timeout(3, TimeUnit.SECONDS)
        .onComplete(result -> message.reply(Reply.success(new Health.Status(result.succeeded())))))
        .completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
