package dev.coordinator.bus.handoff;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Builds handoff commands from requests or tool arguments. */
public final class HandoffRequests {
  public static final int MAX_SUMMARY = 20_000;
  public static final int MAX_ITEMS = 100;
  public static final int MAX_ITEM = 2_000;
  public static final int MAX_READ = 100;

  private HandoffRequests() {
  }

  public static HandoffCommand.Write write(JsonObject body) {
    return JsonArgs.read(body, args -> {
      String summary = args.requiredString("summary", MAX_SUMMARY);
      if (summary.isBlank()) {
        throw CoordinatorException.invalid("summary", "summary must not be blank");
      }
      return new HandoffCommand.Write(summary, list(args, "completed_work"), list(args, "in_progress"),
          list(args, "decisions"), list(args, "next_steps"), list(args, "relevant_files"));
    });
  }

  public static HandoffCommand.Read read(String agent, String limit) {
    return new HandoffCommand.Read(JsonArgs.queryText("agent", agent, 128), JsonArgs.queryInt("limit", limit, 1, MAX_READ, 1));
  }

  private static List<String> list(JsonArgs args, String field) {
    List<String> items = args.optionalStringList(field, MAX_ITEMS, MAX_ITEM);
    return items == null ? List.of() : items;
  }
}
