package dev.coordinator.bus.session;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import dev.coordinator.bus.task.TaskRequests;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/** Builds session commands from requests or tool arguments. */
public final class SessionRequests {
  public static final int MAX_CAPABILITIES = 50;
  public static final int MAX_CURRENT_TASK = 500;
  public static final Set<String> PRESENCE = Set.of("active", "offline");

  private SessionRequests() {
  }

  public static SessionCommand.Register register(JsonObject body) {
    return JsonArgs.read(body, args -> {
      List<String> capabilities = args.optionalStringList("capabilities", MAX_CAPABILITIES, 64);
      return new SessionCommand.Register(capabilities == null ? List.of() : capabilities.stream().distinct().toList(),
          args.optionalString("current_task", MAX_CURRENT_TASK));
    });
  }

  public static SessionCommand.Heartbeat heartbeat(String sessionId, JsonObject body) {
    String session = TaskRequests.id("session", sessionId);
    return JsonArgs.read(body, args -> new SessionCommand.Heartbeat(session,
        args.optionalString("current_task", MAX_CURRENT_TASK)));
  }

  public static SessionCommand.End end(String sessionId) {
    return new SessionCommand.End(TaskRequests.id("session", sessionId));
  }

  public static SessionCommand.Discover discover(String capability, String status) {
    if (status != null && !PRESENCE.contains(status)) {
      throw CoordinatorException.invalid("status", "status must be active or offline");
    }
    return new SessionCommand.Discover(JsonArgs.queryText("capability", capability, 64), status);
  }
}
