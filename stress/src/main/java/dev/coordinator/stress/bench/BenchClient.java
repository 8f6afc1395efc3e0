package dev.coordinator.stress.bench;

import io.vertx.core.Future;

/** One closed-loop client of a workload: runs one operation after another on its own connection. */
public interface BenchClient {
  /** One operation; true when it did the work it measures, false when it found nothing to do. */
  Future<Boolean> next();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
