package dev.coordinator.stress.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The queue workload. A producer submits tasks with priorities and dependencies on recent tasks,
 * and now and then cancels one (its dependents must follow). A worker claims, sometimes renews,
 * completes or fails, and sometimes stalls past its lease before completing (the completion the
 * stale claim token must stop).
 */
public final class QueueClient extends Client {
  public static final String TASK_TYPE = "stress";
  private static final int LEASE_SECONDS = 10;
  private static final List<Integer> WAIT_MS = List.of(0, 300);

  public enum Role { PRODUCER, WORKER }

  private record Claimed(String id, String token) {
  }

  private final Role role;
  private final TaskPool own = new TaskPool();
  private Claimed claimed;
  private int submitted;

  public QueueClient(String name, String agent, Calls api, ClientContext context, long seed, Role role) {
    super(name, agent, api, context, seed);
    this.role = role;
  }

  @Override
  protected void step() throws InterruptedException {
    if (role == Role.PRODUCER) {
      produce();
    } else if (claimed == null) {
      claim();
    } else {
      work(claimed);
    }
  }

  private void produce() throws InterruptedException {
    if (random.nextInt(10) == 0) {
      cancel();
      return;
    }
    JsonObject body = new JsonObject().put("task_type", TASK_TYPE).put("description", name + " task " + submitted++)
        .put("priority", 1 + random.nextInt(10)).put("max_attempts", 3)
        .put("depends_on", new JsonArray(context.tasks().pick(random, random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0)));
    Map<String, String> key = Map.of("Idempotency-Key", UUID.nameUUIDFromBytes((name + submitted).getBytes()).toString());
    int sends = context.repeats() && random.nextInt(8) == 0 ? 2 : 1;
    for (int i = 0; i < sends; i++) {
      Outcome outcome = call("submit", body, key, headers -> api.post("/v1/tasks", body, headers, 0));
      if (outcome.ok()) {
        context.tasks().add(outcome.body().getJsonObject("task").getString("id"));
        own.add(outcome.body().getJsonObject("task").getString("id"));
      }
    }
    // Producers pace themselves, or the queue only grows: workers take far longer per task.
    backOff();
  }

  /** Cancels one of its own recent tasks (only the submitter may): its dependents must be cancelled with it. */
  private void cancel() throws InterruptedException {
    List<String> victim = own.pick(random, 1);
    if (victim.isEmpty()) {
      return;
    }
    JsonObject body = new JsonObject().put("reason", "stress cancel");
    JsonObject args = body.copy().put("task_id", victim.get(0));
    call("cancel", args, headers -> api.post("/v1/tasks/" + victim.get(0) + "/cancel", body, headers, 0));
  }

  private void claim() throws InterruptedException {
    int waitMs = pick(WAIT_MS);
    JsonObject body = new JsonObject().put("task_types", new JsonArray().add(TASK_TYPE)).put("lease_seconds", LEASE_SECONDS)
        .put("wait_ms", waitMs);
    Outcome outcome = call("claim", body, headers -> api.post("/v1/tasks/claim", body, headers, waitMs));
    JsonObject task = outcome.ok() ? outcome.body().getJsonObject("task") : null;
    if (task != null) {
      claimed = new Claimed(task.getString("id"), task.getString("claim_token"));
    } else if (!outcome.unknown()) {
      backOff();
    }
  }

  private void work(Claimed task) throws InterruptedException {
    int roll = random.nextInt(20);
    if (roll == 0) {
      JsonObject body = new JsonObject().put("claim_token", task.token()).put("lease_seconds", LEASE_SECONDS);
      Outcome outcome = call("renew_claim", body.copy().put("task_id", task.id()),
          headers -> api.post("/v1/tasks/" + task.id() + "/renew", body, headers, 0));
      if (!outcome.ok() && !outcome.unknown()) {
        claimed = null;
      }
      return;
    }
    if (roll == 1 && random.nextInt(3) == 0 && context.budget().remainingMillis() > LEASE_SECONDS * 1000L + 3000) {
      long millis = LEASE_SECONDS * 1000L + context.sweepMillis() + 500;
      var pending = context.history().invoke(name, "stall", new JsonObject().put("task_id", task.id()).put("millis", millis));
      Thread.sleep(millis);
      pending.ok(new JsonObject());
    }
    boolean success = roll > 2;
    JsonObject body = new JsonObject().put("claim_token", task.token()).put("success", success);
    if (success) {
      body.put("result", new JsonObject().put("by", name));
    } else {
      body.put("error", "stress failure");
    }
    call("complete", body.copy().put("task_id", task.id()),
        headers -> api.post("/v1/tasks/" + task.id() + "/complete", body, headers, 0));
    claimed = null;
  }

  @Override
  protected void forget() {
    claimed = null;
  }

  @Override
  public boolean holdsSomething() {
    return claimed != null;
  }
}
