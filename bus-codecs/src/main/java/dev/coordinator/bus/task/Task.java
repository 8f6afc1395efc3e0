package dev.coordinator.bus.task;

import dev.coordinator.bus.schema.Nullable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/** A task as the API shows it (api.md §5 Task). */
public record Task(String id, String taskType, String description, Object input, int priority, String status,
                   List<String> dependsOn, String submittedBy, @Nullable String claimedBy, @Nullable String claimToken, int attempt,
                   int maxAttempts, @Nullable Instant leaseExpiresAt, Object result, @Nullable String error,
                   @Nullable Instant deadline, Instant createdAt, @Nullable Instant claimedAt, @Nullable Instant completedAt) {

  /** The JSON of api.md; the claim token is shown only to the claimant. */
  public JsonObject toJson(String viewer) {
    return new JsonObject()
        .put("id", id)
        .put("task_type", taskType)
        .put("description", description)
        .put("input", input)
        .put("priority", priority)
        .put("status", status)
        .put("depends_on", new JsonArray(dependsOn))
        .put("submitted_by", submittedBy)
        .put("claimed_by", claimedBy)
        .put("claim_token", viewer != null && viewer.equals(claimedBy) ? claimToken : null)
        .put("attempt", attempt)
        .put("max_attempts", maxAttempts)
        .put("lease_expires_at", text(leaseExpiresAt))
        .put("result", result)
        .put("error", error)
        .put("deadline", text(deadline))
        .put("created_at", text(createdAt))
        .put("claimed_at", text(claimedAt))
        .put("completed_at", text(completedAt));
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
