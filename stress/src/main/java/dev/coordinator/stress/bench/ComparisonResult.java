package dev.coordinator.stress.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A comparison's repetitions (baseline → measured → baseline each) and its figures: the median of
 * the measured runs ÷ the median of the baseline runs, over the repetitions whose two baselines
 * agree within 15% (all of them, flagged, when none do).
 */
final class ComparisonResult {
  static final double MAX_BASELINE_SPREAD = 0.15;

  record Repetition(Measurement before, Measurement measured, Measurement after) {
    boolean steady(Comparison.Metric metric) {
      double a = metric.of(before);
      double b = metric.of(after);
      return Math.max(a, b) == 0 || Math.abs(a - b) / Math.max(a, b) <= MAX_BASELINE_SPREAD;
    }
  }

  private final Comparison comparison;
  private final List<Repetition> repetitions = new ArrayList<>();

  ComparisonResult(Comparison comparison) {
    this.comparison = comparison;
  }

  Comparison comparison() {
    return comparison;
  }

  void add(Repetition repetition) {
    repetitions.add(repetition);
  }

  private List<Repetition> kept() {
    List<Repetition> steady = repetitions.stream().filter(r -> r.steady(comparison.metric())).toList();
    return steady.isEmpty() ? repetitions : steady;
  }

  double service() {
    return median(kept().stream().map(r -> comparison.metric().of(r.measured())).toList());
  }

  double raw() {
    List<Double> values = new ArrayList<>();
    kept().forEach(r -> {
      values.add(comparison.metric().of(r.before()));
      values.add(comparison.metric().of(r.after()));
    });
    return median(values);
  }

  double ratio() {
    return raw() == 0 ? 0 : service() / raw();
  }

  boolean met() {
    return comparison.met(ratio());
  }

  /** The median run of one side (for its latency and client figures). */
  Measurement medianMeasured() {
    List<Measurement> runs = new ArrayList<>(kept().stream().map(Repetition::measured).toList());
    runs.sort((a, b) -> Double.compare(comparison.metric().of(a), comparison.metric().of(b)));
    return runs.get(runs.size() / 2);
  }

  Measurement medianBaseline() {
    List<Measurement> runs = new ArrayList<>();
    kept().forEach(r -> {
      runs.add(r.before());
      runs.add(r.after());
    });
    runs.sort((a, b) -> Double.compare(comparison.metric().of(a), comparison.metric().of(b)));
    return runs.get(runs.size() / 2);
  }

  JsonObject json() {
    JsonArray reps = new JsonArray();
    for (Repetition r : repetitions) {
      reps.add(new JsonObject().put("baseline_before", r.before().json()).put("measured", r.measured().json())
          .put("baseline_after", r.after().json()).put("discarded", !r.steady(comparison.metric())));
    }
    return new JsonObject().put("name", comparison.name()).put("unit", comparison.unit())
        .put("metric", comparison.metric().name().toLowerCase()).put("service", Measurement.round(service()))
        .put("raw", Measurement.round(raw())).put("ratio", Measurement.round(ratio())).put("target", comparison.bound())
        .put("met", met()).put("clients", comparison.measured().clients())
        .put("baseline_clients", comparison.baseline().clients())
        .put("service_run", medianMeasured().json()).put("raw_run", medianBaseline().json())
        .put("all_repetitions_noisy", repetitions.stream().noneMatch(r -> r.steady(comparison.metric())))
        .put("repetitions", reps);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
