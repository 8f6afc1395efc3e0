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
 */
record Goal(String id, String measure, String baseline, String service, List<Comparison> comparisons, Supplier<JsonObject> extra) {
}
