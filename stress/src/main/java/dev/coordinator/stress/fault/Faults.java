package dev.coordinator.stress.fault;

import dev.coordinator.stress.service.NodeProcess;
import dev.coordinator.stress.service.ServiceDatabase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The faults of api.md §8, by name. */
public final class Faults {
  private static final Map<String, Fault> ALL = new LinkedHashMap<>();

  static {
    register(new Simple("kill-node", Faults::killNode));
    register(new Simple("pause-node", Faults::pauseNode));
    register(new Simple("kill-db-connections", (context, random) ->
        new JsonObject().put("terminated", Long.parseLong(context.database().execute(ServiceDatabase.TERMINATE_OTHERS)))));
    register(new Simple("restart-db", (context, random) -> {
      context.database().restart();
      return new JsonObject();
    }));
    register(new Simple("client-crash", (context, random) -> new JsonObject().put("client", context.crew().crashOne(random))));
  }

  private Faults() {
  }

  private static void register(Fault fault) {
    ALL.put(fault.name(), fault);
  }

  public static List<String> names() {
    return List.copyOf(ALL.keySet());
  }

  /** The faults named in a {@code --faults} list ({@code all} for every one, empty for none). */
  public static List<Fault> parse(String list) {
    List<Fault> faults = new ArrayList<>();
    if (list == null || list.isBlank() || list.equals("none")) {
      return faults;
    }
    if (list.equals("all")) {
      return new ArrayList<>(ALL.values());
    }
    for (String name : list.split(",")) {
      Fault fault = ALL.get(name.trim());
      if (fault == null) {
        throw new IllegalArgumentException("unknown fault " + name.trim() + "; known: " + String.join(", ", names()) + ", all");
      }
      if (!faults.contains(fault)) {
        faults.add(fault);
      }
    }
    return faults;
  }

  @FunctionalInterface
  private interface Action {
    JsonObject apply(FaultContext context, Random random) throws InterruptedException;
  }

  private record Simple(String name, Action action) implements Fault {
    @Override
    public JsonObject inject(FaultContext context, Random random) throws InterruptedException {
      return action.apply(context, random);
    }
  }

  /** SIGKILL, a moment for clients to notice, then a start on the same port. */
  private static JsonObject killNode(FaultContext context, Random random) throws InterruptedException {
    NodeProcess node = pickNode(context, random);
    node.kill();
    Thread.sleep(500);
    node.start();
    return new JsonObject().put("node", node.index());
  }

  /** SIGSTOP for longer than the session timeout (its sessions' holders must lose what they held), then SIGCONT. */
  private static JsonObject pauseNode(FaultContext context, Random random) throws InterruptedException {
    NodeProcess node = pickNode(context, random);
    long millis = context.sessionTimeoutSeconds() * 1000L + 2 * context.sweepMillis() + 500;
    node.pause();
    try {
      Thread.sleep(millis);
    } finally {
      node.resume();
    }
    return new JsonObject().put("node", node.index()).put("paused_ms", millis);
  }

  private static NodeProcess pickNode(FaultContext context, Random random) {
    List<NodeProcess> all = context.nodes().all();
    return all.get(random.nextInt(all.size()));
  }
}
