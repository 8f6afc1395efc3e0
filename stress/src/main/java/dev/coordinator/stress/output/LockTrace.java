package dev.coordinator.stress.output;

import dev.coordinator.stress.history.Event;
import dev.coordinator.stress.history.History;
import dev.coordinator.stress.history.Operation;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lock-trace.jsonl}, for the TLA+ trace validation: a {@code grant} for every acknowledged
 * acquire (its {@code acquired_at} and {@code expires_at}, server clock) and a {@code free} for every
 * acknowledged release (the client's invoke time), in microseconds since the run's first event,
 * sorted by that time. {@code session} names the holder: agent and session id.
 */
public final class LockTrace {
  private LockTrace() {
  }

  public static void write(List<Event> events, Path file) throws IOException {
    List<JsonObject> lines = lines(events);
    List<String> encoded = lines.stream().map(JsonObject::encode).toList();
    Files.write(file, encoded, StandardCharsets.UTF_8);
  }

  static List<JsonObject> lines(List<Event> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    Instant origin = events.get(0).wall();
    Map<String, Long> currentToken = new HashMap<>();
    List<JsonObject> lines = new ArrayList<>();
    for (Operation op : History.operations(events)) {
      if (!op.ok()) {
        continue;
      }
      if (op.op().equals("acquire") && op.result().containsKey("lock")) {
        JsonObject lock = op.result().getJsonObject("lock");
        String holder = lock.getString("holder") + "/" + lock.getString("session_id");
        currentToken.put(holder + " " + lock.getString("key"), lock.getLong("fencing_token"));
        lines.add(new JsonObject().put("kind", "grant").put("session", holder).put("key", lock.getString("key"))
            .put("token", lock.getLong("fencing_token")).put("at", micros(origin, Instant.parse(lock.getString("acquired_at"))))
            .put("expires", micros(origin, Instant.parse(lock.getString("expires_at")))));
      } else if (op.op().equals("release")) {
        String holder = op.args().getString("agent") + "/" + op.args().getString("session");
        String key = op.args().getString("key");
        Long token = op.args().getLong("fencing_token", currentToken.get(holder + " " + key));
        lines.add(new JsonObject().put("kind", "free").put("session", holder).put("key", key).put("token", token)
            .put("at", micros(origin, op.invokedAt())));
      }
    }
    lines.sort(Comparator.comparingLong(line -> line.getLong("at")));
    return lines;
  }

  private static long micros(Instant origin, Instant at) {
    Duration since = Duration.between(origin, at);
    return since.getSeconds() * 1_000_000 + since.getNano() / 1_000;
  }
}
