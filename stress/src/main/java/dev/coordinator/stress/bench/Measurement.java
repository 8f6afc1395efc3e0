package dev.coordinator.stress.bench;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/**
 * One phase's figures, taken at the client: operations per second over the measured window and
 * the latency quantiles of the operations in it.
 *
 * @param ops operations completed in the window
 * @param errors operations that failed (an error answer or a broken connection)
 * @param empty operations that did no work (a claim that found the queue empty), not counted in {@code ops}
 * @param cpu the CPU per operation by process group over the window ({@link CpuMeter}), null when not taken
 */
public record Measurement(int clients, double seconds, long ops, long errors, long empty, double opsPerSecond,
                          double p50Ms, double p99Ms, JsonObject cpu) {

  /** Figures from the latencies (nanoseconds, any order) of the operations completed in {@code seconds}. */
  public static Measurement of(int clients, double seconds, long[] latencyNanos, long errors, long empty) {
    long[] sorted = latencyNanos.clone();
    Arrays.sort(sorted);
    return new Measurement(clients, seconds, sorted.length, errors, empty, sorted.length / seconds,
        quantile(sorted, 0.50) / 1e6, quantile(sorted, 0.99) / 1e6, null);
  }

  /** These figures with the CPU the window used, {@code cpu} being {@link CpuMeter#use}'s answer. */
  Measurement withCpu(JsonObject cpu) {
    return new Measurement(clients, seconds, ops, errors, empty, opsPerSecond, p50Ms, p99Ms, cpu);
  }

  private static double quantile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  public JsonObject json() {
    return new JsonObject().put("clients", clients).put("seconds", round(seconds)).put("ops", ops).put("errors", errors)
        .put("empty", empty).put("ops_per_s", round(opsPerSecond)).put("p50_ms", round(p50Ms)).put("p99_ms", round(p99Ms)).put("cpu", cpu);
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
