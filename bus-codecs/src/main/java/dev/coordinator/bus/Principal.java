package dev.coordinator.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * An authenticated agent as its profile says: identity, type, trust (0..4), and the action lists
 * of the agent and its type. {@code restricted} agents may run only {@code allowedActions};
 * {@code blockedActions} are denied whatever the trust.
 */
public record Principal(String id, String type, int trust, boolean restricted, Set<String> allowedActions,
                        Set<String> blockedActions) implements Payload, BusMessage {
  public Principal {
    allowedActions = Set.copyOf(allowedActions);
    blockedActions = Set.copyOf(blockedActions);
  }

  /** An agent with no action lists. */
  public Principal(String id, String type, int trust) {
    this(id, type, trust, false, Set.of(), Set.of());
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("type", type).put("trust", trust)
        .put("allowed_actions", restricted ? new JsonArray(allowedActions.stream().sorted().toList()) : null)
        .put("blocked_actions", new JsonArray(blockedActions.stream().sorted().toList()));
  }
}
