package dev.coordinator.agent;

import java.util.regex.Pattern;

/** An agent to create or update: id, type, trust 0..4 and its key in clear (hashed on store). */
public record AgentSpec(String id, String type, int trust, String key) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}");
  private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  public AgentSpec {
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
}
