package dev.coordinator.stress.check;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * What the checker must know beyond the history.
 *
 * @param clockUncertainty how far the harness's wall clock and the database's may disagree: a time
 *     the client saw is compared with a server timestamp only with this margin, in the direction
 *     that can only hide a violation, never invent one
 * @param readerAgent the read-only agent (trust 1) of the workload, null if none
 */
public record CheckSettings(Duration clockUncertainty, int sessionTimeoutSeconds, long sweepMillis, String readerAgent) {

  public JsonObject toJson() {
    return new JsonObject().put("clock_uncertainty_ms", clockUncertainty.toMillis())
        .put("session_timeout_seconds", sessionTimeoutSeconds).put("sweep_interval_ms", sweepMillis).put("reader_agent", readerAgent);
  }

  public static CheckSettings fromJson(JsonObject json) {
    return new CheckSettings(Duration.ofMillis(json.getLong("clock_uncertainty_ms")), json.getInteger("session_timeout_seconds"),
        json.getLong("sweep_interval_ms"), json.getString("reader_agent"));
  }
}
