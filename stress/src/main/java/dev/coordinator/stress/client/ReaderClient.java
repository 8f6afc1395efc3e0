package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;

/**
 * A read-only agent (trust 1) in the mixed workload: it reads locks and tries to take them and to
 * submit work. Every one of its mutations must be denied and change nothing (ENF-1).
 */
public final class ReaderClient extends Client {
  public ReaderClient(String name, String agent, Calls api, ClientContext context, long seed) {
    super(name, agent, api, context, seed);
  }

  @Override
  protected void step() throws InterruptedException {
    switch (random.nextInt(3)) {
      case 0 -> call("read_locks", new JsonObject(), headers -> api.get("/v1/locks", headers));
      case 1 -> {
        JsonObject body = new JsonObject().put("key", pick(context.lockKeys())).put("ttl_seconds", 30);
        call("acquire", body, headers -> api.post("/v1/locks/acquire", body, headers, 0));
      }
      default -> {
        JsonObject body = new JsonObject().put("task_type", QueueClient.TASK_TYPE).put("description", "reader's task");
        call("submit", body, headers -> api.post("/v1/tasks", body, headers, 0));
      }
    }
    backOff();
  }

  @Override
  protected boolean usesSession() {
    return false;
  }

  @Override
  protected void forget() {
    // holds nothing
  }

  @Override
  public boolean holdsSomething() {
    return false;
  }
}
