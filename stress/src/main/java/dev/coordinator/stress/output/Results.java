package dev.coordinator.stress.output;

import dev.coordinator.stress.check.CheckSettings;
import dev.coordinator.stress.check.Checker;
import dev.coordinator.stress.check.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code results.json} (api.md §8). */
public final class Results {
  private Results() {
  }

  public static JsonObject json(long seed, String scenario, int nodes, int clients, long durationMillis, List<JsonObject> faults,
                                Checker.Verdict verdict, JsonObject counts, CheckSettings settings) {
    return new JsonObject().put("seed", seed).put("scenario", scenario).put("nodes", nodes).put("clients", clients)
        .put("duration_ms", durationMillis).put("operations", verdict.operations()).put("counts", counts)
        .put("faults", new JsonArray(List.copyOf(faults)))
        .put("violations", new JsonArray(verdict.violations().stream().map(Violation::toJson).toList()))
        .put("ok", verdict.ok()).put("check_settings", settings.toJson());
  }

  public static void write(JsonObject results, Path file) throws IOException {
    Files.writeString(file, results.encodePrettily());
  }
}
