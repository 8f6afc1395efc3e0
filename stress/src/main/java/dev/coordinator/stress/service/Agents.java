package dev.coordinator.stress.service;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The agents a run uses: writers (trust 2) for the clients, an administrator (trust ≥ 3) for the
 * final reads and the audit verification, and optionally a read-only agent (trust 1) whose every
 * mutation must be denied.
 */
public record Agents(List<Agent> writers, Agent admin, Agent reader) {

  public record Agent(String id, String key, int trust) {
    JsonObject json() {
      return new JsonObject().put("id", id).put("type", "stress").put("trust", trust).put("key", key);
    }
  }

  /** New agents with random keys, written to {@code file} in the service's agents-file format. */
  public static Agents generate(int writers, Path file) throws IOException {
    SecureRandom random = new SecureRandom();
    List<Agent> clients = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      clients.add(new Agent("stress-w" + i, key(random), 2));
    }
    Agents agents = new Agents(clients, new Agent("stress-admin", key(random), 4), new Agent("stress-reader", key(random), 1));
    JsonArray all = new JsonArray();
    clients.forEach(agent -> all.add(agent.json()));
    all.add(agents.admin.json()).add(agents.reader.json());
    Files.writeString(file, new JsonObject().put("agents", all).encodePrettily());
    return agents;
  }

  /** The agents of an agents file (JSON, keys in plain text) for a service the harness did not start. */
  public static Agents read(Path file) throws IOException {
    JsonArray all = new JsonObject(Files.readString(file)).getJsonArray("agents", new JsonArray());
    List<Agent> agents = all.stream().map(JsonObject.class::cast)
        .map(json -> new Agent(json.getString("id"), json.getString("key"), json.getInteger("trust", 0))).toList();
    List<Agent> writers = agents.stream().filter(agent -> agent.trust() == 2).toList();
    Agent admin = agents.stream().filter(agent -> agent.trust() >= 3).findFirst().orElse(null);
    Agent reader = agents.stream().filter(agent -> agent.trust() == 1).findFirst().orElse(null);
    if (writers.isEmpty() || admin == null) {
      throw new IllegalArgumentException(file + " must list at least one agent of trust 2 and one of trust 3 or 4, with their keys");
    }
    return new Agents(writers, admin, reader);
  }

  private static String key(SecureRandom random) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return "stress-" + HexFormat.of().formatHex(bytes);
  }
}
