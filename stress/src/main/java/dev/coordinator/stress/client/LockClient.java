package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The locks workload: a few hot keys, short leases. Acquire (with and without waiting), then
 * write to the protected resource with the fencing token, renew, validate, release (with and
 * without the token), and now and then stall past the lease before writing (the write the
 * fencing token must stop).
 */
public final class LockClient extends Client {
  private static final List<Integer> TTL_SECONDS = List.of(1, 2, 3);
  private static final List<Integer> WAIT_MS = List.of(0, 0, 200, 1000);

  private record Held(String key, long token, int ttl) {
  }

  private Held held;

  public LockClient(String name, String agent, Calls api, ClientContext context, long seed) {
    super(name, agent, api, context, seed);
  }

  @Override
  protected void step() throws InterruptedException {
    if (held == null) {
      acquire();
      return;
    }
    int roll = random.nextInt(12);
    if (roll < 4) {
      write(held);
    } else if (roll < 6) {
      renew(held);
    } else if (roll < 7) {
      validate(held);
    } else if (roll < 8 && context.budget().remainingMillis() > held.ttl() * 1000L + 1500) {
      stall(held);
    } else {
      release(held);
    }
  }

  private void acquire() throws InterruptedException {
    String key = pick(context.lockKeys());
    int ttl = pick(TTL_SECONDS);
    int waitMs = pick(WAIT_MS);
    JsonObject body = new JsonObject().put("key", key).put("ttl_seconds", ttl).put("wait_ms", waitMs);
    Outcome outcome = call("acquire", body, headers -> api.post("/v1/locks/acquire", body, headers, waitMs));
    if (outcome.ok()) {
      held = new Held(key, outcome.body().getJsonObject("lock").getLong("fencing_token"), ttl);
    } else if (!outcome.unknown()) {
      backOff();
    }
  }

  private void write(Held lock) {
    ProtectedResource.Verdict verdict = context.resource().write(lock.key(), lock.token());
    context.history().invoke(name, "write", new JsonObject().put("key", lock.key()).put("fencing_token", lock.token())
            .put("agent", agent).put("session", sessionId()))
        .ok(new JsonObject().put("accepted", verdict.accepted()).put("sequence", verdict.sequence())
            .put("highest", verdict.highest()));
    if (!verdict.accepted()) {
      held = null;
    }
  }

  private void renew(Held lock) throws InterruptedException {
    JsonObject body = new JsonObject().put("key", lock.key()).put("fencing_token", lock.token()).put("ttl_seconds", lock.ttl());
    Outcome outcome = call("renew", body, headers -> api.post("/v1/locks/renew", body, headers, 0));
    if (!outcome.ok() && !outcome.unknown()) {
      held = null;
    }
  }

  private void validate(Held lock) throws InterruptedException {
    JsonObject body = new JsonObject().put("key", lock.key()).put("fencing_token", lock.token());
    Outcome outcome = call("validate", body, headers -> api.post("/v1/locks/validate", body, headers, 0));
    if (outcome.ok() && !outcome.body().getBoolean("valid", false)) {
      held = null;
    }
  }

  /** Sleeps past the lease, then writes: the resource must refuse if a newer holder wrote meanwhile. */
  private void stall(Held lock) throws InterruptedException {
    long millis = lock.ttl() * 1000L + 300;
    var pending = context.history().invoke(name, "stall", new JsonObject().put("key", lock.key()).put("millis", millis));
    Thread.sleep(millis);
    pending.ok(new JsonObject());
    write(lock);
  }

  private void release(Held lock) throws InterruptedException {
    JsonObject body = new JsonObject().put("key", lock.key());
    if (random.nextBoolean()) {
      body.put("fencing_token", lock.token());
    }
    call("release", body, headers -> api.post("/v1/locks/release", body, headers, 0));
    held = null;
  }

  @Override
  protected void forget() {
    held = null;
  }

  @Override
  public boolean holdsSomething() {
    return held != null;
  }
}
