package dev.coordinator.stress.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * One goal of performance.md: its comparisons (the first is the headline: {@code service},
 * {@code raw}, {@code ratio} in bench.json) and what else it reports once its runs are done.
 *
 * @param baseline what {@code raw} is in this goal (raw SQL, or the service with a feature switched)
 * @param service what {@code service} is
 * @param extra more figures and conditions, read after the runs; a {@code met: false} in it fails the goal
 * @param bounds more sides measured against the goal's raw SQL, reported beside it and never judged
 *     (the ceiling and the floor: how much of the gap is the service's SQL, how much its JVM path)
 */
record Goal(String id, String measure, String baseline, String service, List<Comparison> comparisons, Supplier<JsonObject> extra,
            List<Bound> bounds) {

  Goal(String id, String measure, String baseline, String service, List<Comparison> comparisons, Supplier<JsonObject> extra) {
    this(id, measure, baseline, service, comparisons, extra, List.of());
  }

  /**
   * A side measured like a comparison (baseline → it → baseline per repetition), reported under
   * {@code key} in the goal's bench.json entry; its comparison's target is not a goal.
   */
  record Bound(String key, String is, Comparison comparison) {
  }
}
