package dev.coordinator.db;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Health;
import dev.coordinator.bus.Reply;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Answers whether the database responds, for {@code GET /health}. */
public final class HealthVerticle extends PooledVerticle {
  private static final String PING = "SELECT 1";
  public HealthVerticle(DatabaseUrl database, int poolSize) {
    super(database, poolSize);
  }

  @Override
  protected Future<?> startWithPool() {
    return vertx.eventBus().<Health>localConsumer(Addresses.HEALTH, message -> pool.query(PING).execute()
        .timeout(3, TimeUnit.SECONDS)
        .onComplete(result -> message.reply(Reply.success(new Health.Status(result.succeeded())))))
        .completion();
  }
}
