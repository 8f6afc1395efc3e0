package dev.coordinator.db;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Health;
import dev.coordinator.bus.Reply;
import dev.coordinator.cluster.Node;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Answers whether the database responds, and which node answers, for {@code GET /health}. */
public final class HealthVerticle extends PooledVerticle {
  private static final String PING = "SELECT 1";
  private final Node node;

  public HealthVerticle(DatabaseUrl database, int poolSize, Node node) {
    super(database, poolSize);
    this.node = node;
  }

  @Override
  protected Future<?> startWithPool() {
    return vertx.eventBus().<Health>localConsumer(Addresses.HEALTH, message -> pool.query(PING).execute()
        .timeout(3, TimeUnit.SECONDS)
        .onComplete(result -> message.reply(Reply.success(new Health.Status(result.succeeded(), node.id(),
            node.members().isPresent() ? node.members().getAsInt() : null)))))
        .completion();
  }
}
