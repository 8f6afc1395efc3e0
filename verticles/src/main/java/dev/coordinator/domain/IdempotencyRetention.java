package dev.coordinator.domain;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HARD-3: stored Idempotency-Key outcomes do not pile up forever. Every sweep interval, on every
 * node, the outcomes older than the retention are pruned ({@link Idempotency#PRUNE}); sweeps on
 * several nodes skip each other's rows, and one pass never overlaps the next on a node.
 */
public final class IdempotencyRetention extends PooledVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(IdempotencyRetention.class);

  private final int retentionHours;
  private final long sweepIntervalMs;
  private long sweeper;
  private boolean sweeping;

  public IdempotencyRetention(DatabaseUrl database, int poolSize, int retentionHours, long sweepIntervalMs) {
    super(database, poolSize);
    this.retentionHours = retentionHours;
    this.sweepIntervalMs = sweepIntervalMs;
  }

  @Override
  protected Future<?> startWithPool() {
    sweeper = vertx.setPeriodic(sweepIntervalMs, tick -> sweep());
    return Future.succeededFuture();
  }

  @Override
  protected Future<?> stopBeforePool() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    Idempotency.prune(pool, retentionHours)
        .onSuccess(pruned -> {
          if (pruned > 0) {
            LOG.info("pruned {} idempotency outcomes older than {} h", pruned, retentionHours);
          }
        })
        .onFailure(error -> LOG.warn("idempotency pruning failed; the next pass retries: {}", error.getMessage()))
        .onComplete(done -> sweeping = false);
  }
}
