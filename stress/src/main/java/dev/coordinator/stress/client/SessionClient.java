package dev.coordinator.stress.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The sessions workload: in each session, take a lock (long lease) and a task, heartbeat, then
 * either give both back and end the session, end the session holding them (the end must free
 * them), or go silent holding them until the service reaps the session (the reap must free them).
 */
public final class SessionClient extends Client {
  public static final String TASK_TYPE = "stress-session";
  private static final int TTL_SECONDS = 60;

  private String key;
  private String task;
  private String claimToken;
  private int cycle;

  public SessionClient(String name, String agent, Calls api, ClientContext context, long seed) {
    super(name, agent, api, context, seed);
  }

  @Override
  protected void step() throws InterruptedException {
    takeLock();
    takeTask();
    heartbeat();
    if (sessionId() == null) {
      return;
    }
    long silence = context.sessionTimeoutSeconds() * 1000L + 2 * context.sweepMillis() + 500;
    int roll = random.nextInt(3);
    if (roll == 2 && context.budget().remainingMillis() > silence + 1000) {
      goSilent(silence);
    } else {
      if (roll == 0) {
        giveBack();
      }
      endSession();
      forget();
    }
  }

  private void takeLock() throws InterruptedException {
    String wanted = pick(context.lockKeys());
    JsonObject body = new JsonObject().put("key", wanted).put("ttl_seconds", TTL_SECONDS).put("wait_ms", 0);
    if (call("acquire", body, headers -> api.post("/v1/locks/acquire", body, headers, 0)).ok()) {
      key = wanted;
    }
  }

  private void takeTask() throws InterruptedException {
    JsonObject submit = new JsonObject().put("task_type", TASK_TYPE).put("description", name + " cycle " + cycle++);
    Outcome submitted = call("submit", submit, headers -> api.post("/v1/tasks", submit, headers, 0));
    if (submitted.ok()) {
      context.tasks().add(submitted.body().getJsonObject("task").getString("id"));
    }
    JsonObject claim = new JsonObject().put("task_types", new JsonArray().add(TASK_TYPE)).put("lease_seconds", TTL_SECONDS);
    Outcome claimed = call("claim", claim, headers -> api.post("/v1/tasks/claim", claim, headers, 0));
    JsonObject got = claimed.ok() ? claimed.body().getJsonObject("task") : null;
    if (got != null) {
      task = got.getString("id");
      claimToken = got.getString("claim_token");
    }
  }

  private void giveBack() throws InterruptedException {
    if (key != null) {
      JsonObject body = new JsonObject().put("key", key);
      call("release", body, headers -> api.post("/v1/locks/release", body, headers, 0));
    }
    if (task != null) {
      JsonObject body = new JsonObject().put("claim_token", claimToken).put("success", true);
      String id = task;
      call("complete", body.copy().put("task_id", id), headers -> api.post("/v1/tasks/" + id + "/complete", body, headers, 0));
    }
  }

  /** Stops heartbeating while holding, long enough for the reaper; the next step opens a new session. */
  private void goSilent(long millis) throws InterruptedException {
    var pending = context.history().invoke(name, "silent",
        new JsonObject().put("agent", agent).put("session", sessionId()).put("millis", millis));
    api.vanish();
    Thread.sleep(millis);
    pending.ok(new JsonObject());
    lose();
  }

  @Override
  protected void forget() {
    key = null;
    task = null;
    claimToken = null;
  }

  @Override
  public boolean holdsSomething() {
    return key != null || task != null;
  }
}
