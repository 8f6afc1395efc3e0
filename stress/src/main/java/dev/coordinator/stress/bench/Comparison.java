package dev.coordinator.stress.bench;

/**
 * A ratio a goal is judged by: {@code measured} against {@code baseline}, on one metric, with the
 * goal's bound ({@code ratio >= target} or, for latencies, {@code ratio <= target}).
 */
record Comparison(String name, String unit, Metric metric, boolean atLeast, double target, Phase baseline, Phase measured) {

  enum Metric {
    THROUGHPUT, P50, P99;

    double of(Measurement m) {
      return switch (this) {
        case THROUGHPUT -> m.opsPerSecond();
        case P50 -> m.p50Ms();
        case P99 -> m.p99Ms();
      };
    }
  }

  boolean met(double ratio) {
    return atLeast ? ratio >= target : ratio <= target;
  }

  String bound() {
    return (atLeast ? ">= " : "<= ") + target;
  }
}
