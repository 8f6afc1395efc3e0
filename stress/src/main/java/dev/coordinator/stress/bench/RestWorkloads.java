package dev.coordinator.stress.bench;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** The service's side of the goals over REST, one operation per call of {@link BenchClient#next()}. */
final class RestWorkloads {
  private static final JsonArray BENCH_TYPES = new JsonArray().add("bench");

  private RestWorkloads() {
  }

  /** G1, G5, G7's baseline, G8: acquire then release one key of the client's own, each its own call. */
  static BenchClient lockCycle(Rest rest, String key) {
    JsonObject acquire = new JsonObject().put("key", key).put("ttl_seconds", 60);
    JsonObject release = new JsonObject().put("key", key);
    return () -> rest.post("/v1/locks/acquire", acquire).compose(held -> rest.post("/v1/locks/release", release)).map(true);
  }

  /** G3: acquire a key never taken before (a fresh row, as the raw acquire script does). */
  static BenchClient acquireFresh(Rest rest, String prefix) {
    return () -> rest.post("/v1/locks/acquire", new JsonObject()
        .put("key", prefix + "/" + ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)).put("ttl_seconds", 60)).map(true);
  }

  /**
   * G2: claim one prefilled task, never completed, so a task answered twice is a double claim.
   * An empty answer (the prefill ran out) is not a claim.
   */
  static BenchClient claim(Rest rest, Set<String> claimed, AtomicLong doubleClaims) {
    JsonObject body = new JsonObject().put("task_types", BENCH_TYPES).put("lease_seconds", 600);
    return () -> rest.post("/v1/tasks/claim", body).map(answer -> {
      JsonObject task = answer.getJsonObject("task");
      if (task != null && !claimed.add(task.getString("id"))) {
        doubleClaims.incrementAndGet();
      }
      return task != null;
    });
  }

  /** G6: submit a job, claim one (any), complete it: three audited calls. */
  static BenchClient lifecycle(Rest rest) {
    JsonObject submit = new JsonObject().put("task_type", "bench").put("description", "bench job");
    JsonObject claim = new JsonObject().put("task_types", BENCH_TYPES).put("lease_seconds", 600);
    return () -> rest.post("/v1/tasks", submit).compose(submitted -> rest.post("/v1/tasks/claim", claim)).compose(answer -> {
      JsonObject task = answer.getJsonObject("task");
      if (task == null) {
        return Future.succeededFuture(false);
      }
      return rest.post("/v1/tasks/" + task.getString("id") + "/complete",
          new JsonObject().put("claim_token", task.getString("claim_token")).put("success", true)).map(true);
    });
  }
}
