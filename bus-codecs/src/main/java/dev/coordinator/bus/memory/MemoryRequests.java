package dev.coordinator.bus.memory;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Builds memory commands from requests or tool arguments. */
public final class MemoryRequests {
  public static final int MAX_SUMMARY = 2_000;
  public static final int MAX_DETAILS = 20_000;
  public static final int MAX_TAGS = 20;
  public static final int MAX_LESSONS = 50;
  public static final int MAX_RECALL = 100;
  public static final int DEFAULT_RECALL = 10;

  private MemoryRequests() {
  }

  public static MemoryCommand.Remember remember(JsonObject body) {
    return JsonArgs.read(body, args -> {
      String eventType = args.requiredString("event_type", 64);
      String summary = args.requiredString("summary", MAX_SUMMARY);
      if (eventType.isBlank() || summary.isBlank()) {
        throw CoordinatorException.invalid(eventType.isBlank() ? "event_type" : "summary", "must not be blank");
      }
      List<String> lessons = args.optionalStringList("lessons", MAX_LESSONS, MAX_SUMMARY);
      List<String> tags = args.optionalStringList("tags", MAX_TAGS, 64);
      return new MemoryCommand.Remember(eventType, summary, args.optionalString("details", MAX_DETAILS),
          args.optionalString("outcome", MAX_SUMMARY), lessons == null ? List.of() : lessons,
          tags == null ? List.of() : tags.stream().distinct().toList());
    });
  }

  public static MemoryCommand.Recall recall(List<String> tags, String eventType, String limit) {
    if (tags.size() > MAX_TAGS) {
      throw CoordinatorException.invalid("tag", "at most " + MAX_TAGS + " tags");
    }
    tags.forEach(tag -> JsonArgs.queryText("tag", tag, 64));
    return new MemoryCommand.Recall(tags.stream().distinct().toList(), JsonArgs.queryText("event_type", eventType, 64),
        JsonArgs.queryInt("limit", limit, 1, MAX_RECALL, DEFAULT_RECALL));
  }
}
