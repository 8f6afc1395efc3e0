package dev.coordinator.agent;

import dev.coordinator.bus.Commands;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.regex.Pattern;

/**
 * An agent to create or update: id, type, trust 0..4, its key in clear (hashed on store), and
 * optionally its action lists: {@code allowedActions} null means no allow list.
 */
public record AgentSpec(String id, String type, int trust, String key, List<String> allowedActions,
                        List<String> blockedActions) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}");
  private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** An agent without action lists. */
  public AgentSpec(String id, String type, int trust, String key) {
    this(id, type, trust, key, null, List.of());
  }

  public AgentSpec {
    allowedActions = allowedActions == null ? null : knownActions(id, allowedActions);
    blockedActions = blockedActions == null ? List.of() : knownActions(id, blockedActions);
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("agent id must be 1-128 letters, digits or _.@- (got " + id + ")");
    }
    if (type == null || !TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("agent type must be 1-64 letters, digits or _.- (got " + type + ")");
    }
    if (trust < 0 || trust > 4) {
      throw new IllegalArgumentException("trust must be 0..4 (got " + trust + ")");
    }
    if (key == null || key.length() < ApiKeys.MIN_LENGTH) {
      throw new IllegalArgumentException("the key of " + id + " must have at least " + ApiKeys.MIN_LENGTH + " characters");
    }
  }

  // A misspelt action in an allow list would silently take a right away; in a block list, silently grant one.
  private static List<String> knownActions(String id, List<String> actions) {
    Set<String> known = Commands.actionNames().collect(Collectors.toSet());
    for (String action : actions) {
      if (!known.contains(action)) {
        throw new IllegalArgumentException("agent " + id + ": there is no action '" + action + "'");
      }
    }
    return List.copyOf(actions);
  }
}
