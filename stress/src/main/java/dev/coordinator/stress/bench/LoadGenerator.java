package dev.coordinator.stress.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Closed-loop load: N clients, each starting its next operation when the previous one answers,
 * for a warm-up and then the measured window; latency is taken per operation at the client. No
 * operation starts after the window closes; those in flight then are awaited and not counted.
 */
final class LoadGenerator {
  private static final long RETRY_AFTER_ERROR_MS = 20;

  private final Vertx vertx;
  private final CpuMeter cpu;

  LoadGenerator(Vertx vertx, CpuMeter cpu) {
    this.vertx = vertx;
    this.cpu = cpu;
  }

  /** Opens the clients, runs them, closes them; blocks the calling (non-event-loop) thread. */
  Measurement run(int clients, long warmupMillis, long durationMillis, IntFunction<Future<BenchClient>> open) {
    List<Future<BenchClient>> opening = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      opening.add(open.apply(i));
    }
    List<BenchClient> opened = await(Future.all(opening)).<BenchClient>list();
    long measureFrom = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
    long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(durationMillis);
    AtomicLong errors = new AtomicLong();
    AtomicLong empty = new AtomicLong();
    List<LatencyLog> logs = new ArrayList<>();
    List<Future<Void>> loops = new ArrayList<>();
    for (BenchClient client : opened) {
      LatencyLog log = new LatencyLog();
      logs.add(log);
      Promise<Void> done = Promise.promise();
      loops.add(done.future());
      vertx.runOnContext(nothing -> loop(client, log, measureFrom, end, errors, empty, done));
    }
    CpuMeter.Sample before = cpu.sampleAt(measureFrom);
    CpuMeter.Sample after = cpu.sampleAt(end);
    await(Future.all(loops));
    await(Future.join(opened.stream().map(BenchClient::close).toList()));
    Measurement measured = Measurement.of(clients, durationMillis / 1000.0, LatencyLog.merge(logs), errors.get(), empty.get());
    return measured.withCpu(cpu.use(before, after, measured.ops()));
  }

  private void loop(BenchClient client, LatencyLog log, long measureFrom, long end, AtomicLong errors, AtomicLong empty,
                    Promise<Void> done) {
    long start = System.nanoTime();
    if (start >= end) {
      done.complete();
      return;
    }
    client.next().onComplete(result -> {
      long now = System.nanoTime();
      // Counted by completion, as pgbench counts: an operation in flight when the window opens counts if it ends in it.
      boolean counted = now >= measureFrom && now <= end;
      if (result.failed()) {
        if (counted) {
          errors.incrementAndGet();
        }
        vertx.setTimer(RETRY_AFTER_ERROR_MS, id -> loop(client, log, measureFrom, end, errors, empty, done));
        return;
      }
      if (counted && result.result()) {
        log.add(now - start);
      } else if (counted) {
        empty.incrementAndGet();
      }
      loop(client, log, measureFrom, end, errors, empty, done);
    });
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    }
  }
}
