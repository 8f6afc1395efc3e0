package dev.coordinator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads the agents file (YAML or JSON): {@code {"agents": [{"id", "type", "trust", "key"}]}}. */
public final class AgentsFile {
  private static final Set<String> FIELDS = Set.of("id", "type", "trust", "key", "allowed_actions", "blocked_actions");

  private AgentsFile() {
  }

  public static List<AgentSpec> read(Path file) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    JsonNode agents = root == null ? null : root.get("agents");
    if (agents == null || !agents.isArray()) {
      throw new IllegalArgumentException(file + ": expected a top-level 'agents' list");
    }
    List<AgentSpec> specs = new ArrayList<>();
    for (JsonNode agent : agents) {
      agent.fieldNames().forEachRemaining(name -> {
        if (!FIELDS.contains(name)) {
          throw new IllegalArgumentException(file + ": unknown field '" + name
              + "' (allowed: id, type, trust, key, allowed_actions, blocked_actions)");
        }
      });
      if (!agent.path("trust").isInt()) {
        throw new IllegalArgumentException(file + ": trust of " + agent.path("id").asText() + " must be a number 0..4");
      }
      specs.add(new AgentSpec(agent.path("id").asText(null), agent.path("type").asText(null),
          agent.path("trust").asInt(), agent.path("key").asText(null), actions(file, agent, "allowed_actions"),
          actions(file, agent, "blocked_actions")));
    }
    return specs;
  }

  /** An action list, or null when the field is absent. */
  private static List<String> actions(Path file, JsonNode agent, String field) {
    JsonNode list = agent.get(field);
    if (list == null || list.isNull()) {
      return null;
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException(file + ": " + field + " of " + agent.path("id").asText() + " must be a list of action names");
    }
    List<String> actions = new ArrayList<>();
    list.forEach(action -> actions.add(action.asText()));
    return actions;
  }
}
