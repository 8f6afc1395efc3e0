package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TASK-1, TASK-2, TASK-5 under contention: workers drain a queue through HTTP while a producer
 * keeps submitting, with seeded random pauses, waiting and non-waiting claims, and some workers
 * giving up on a claim to have it fail (cancelling nothing, as the tasks are independent). The
 * recorded history must show every task claimed by one worker at a time, finished at most once,
 * and none lost. Repeat a run with {@code -Dcoordinator.seed=N}.
 */
class QueueRaceTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");
  private static final int WORKERS = 6;
  private static final int TASKS = 60;

  /** One reply a worker saw. */
  private record Event(String worker, String kind, String taskId, String token) {
  }

  @Test
  void everyTaskIsClaimedByOneWorkerAndFinishedOnceAndNoneIsLost() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("QueueRaceTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    Random seeds = new Random(seed);
    String producer = service.agent("producer", "operator", 2);
    List<Event> history = Collections.synchronizedList(new ArrayList<>());
    Set<String> submitted = Collections.synchronizedSet(new HashSet<>());
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);
    try {
      List<Future<?>> runs = new ArrayList<>();
      Random producing = new Random(seeds.nextLong());
      runs.add(pool.submit(() -> {
        for (int i = 0; i < TASKS; i++) {
          Http.Response response = service.http().post("/v1/tasks", producer, new JsonObject().put("task_type", "race")
              .put("description", "task " + i).put("priority", 1 + producing.nextInt(10)));
          assertEquals(201, response.status(), response::toString);
          submitted.add(response.json().getJsonObject("task").getString("id"));
          Thread.sleep(producing.nextInt(10));
        }
        return null;
      }));
      for (int w = 0; w < WORKERS; w++) {
        String worker = "worker" + w;
        String key = service.agent(worker, "claude_code", 2);
        Random random = new Random(seeds.nextLong());
        runs.add(pool.submit(() -> {
          work(worker, key, random, history, submitted);
          return null;
        }));
      }
      for (Future<?> run : runs) {
        try {
          run.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          fail("seed=" + seed + ": " + e.getCause(), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    check(history, submitted, seed);
  }

  /** Claims until the queue has been drained of all {@link #TASKS} tasks; finishes each claim it gets. */
  private static void work(String worker, String key, Random random, List<Event> history, Set<String> submitted)
      throws InterruptedException {
    Http http = service.http();
    while (true) {
      long finished;
      synchronized (history) {
        finished = history.stream().filter(e -> e.kind().equals("done")).count();
      }
      if (submitted.size() == TASKS && finished == TASKS) {
        return;
      }
      JsonObject body = new JsonObject().put("task_types", new JsonArray().add("race"));
      if (random.nextBoolean()) {
        body.put("wait_ms", 200);
      }
      Http.Response claimed = http.post("/v1/tasks/claim", key, body);
      assertEquals(200, claimed.status(), claimed::toString);
      JsonObject task = claimed.json().getJsonObject("task");
      if (task == null) {
        continue;
      }
      history.add(new Event(worker, "claim", task.getString("id"), task.getString("claim_token")));
      Thread.sleep(random.nextInt(8));
      boolean success = random.nextInt(10) > 0;
      Http.Response done = http.post("/v1/tasks/" + task.getString("id") + "/complete", key, new JsonObject()
          .put("claim_token", task.getString("claim_token")).put("success", success)
          .put("result", new JsonObject().put("by", worker)));
      assertEquals(200, done.status(), worker + " could not finish its own live claim: " + done);
      history.add(new Event(worker, "done", task.getString("id"), task.getString("claim_token")));
      if (random.nextInt(4) == 0) {
        Http.Response again = http.post("/v1/tasks/" + task.getString("id") + "/complete", key, new JsonObject()
            .put("claim_token", task.getString("claim_token")).put("success", !success));
        assertEquals("INVALID_STATE", again.errorCode(), "a second, different finish is refused: " + again);
      }
    }
  }

  private static void check(List<Event> history, Set<String> submitted, long seed) {
    String context = "seed=" + seed + ": ";
    Map<String, List<Event>> byTask = new HashMap<>();
    history.forEach(event -> byTask.computeIfAbsent(event.taskId(), id -> new ArrayList<>()).add(event));
    assertEquals(submitted, byTask.keySet(), context + "TASK-5: every submitted task was claimed, none lost");
    Set<String> tokens = new HashSet<>();
    for (var entry : byTask.entrySet()) {
      List<Event> events = entry.getValue();
      long claims = events.stream().filter(e -> e.kind().equals("claim")).count();
      long finishes = events.stream().filter(e -> e.kind().equals("done")).count();
      assertEquals(1, claims, context + "TASK-1: task " + entry.getKey() + " claimed more than once: " + events);
      assertEquals(1, finishes, context + "TASK-2: task " + entry.getKey() + " finished " + finishes + " times");
      events.stream().filter(e -> e.kind().equals("claim")).forEach(e ->
          assertTrue(tokens.add(e.token()), context + "TASK-1: claim token reused: " + e));
    }
    List<Map<String, Object>> rows = service.database().query(
        "SELECT t.id::text AS id, t.status, t.claimed_by, t.result->>'by' AS by,"
            + " (SELECT count(*) FROM audit_log a WHERE a.resource = t.id::text AND a.action = 'complete_work'"
            + "  AND a.outcome = 'ok' AND a.result->>'repeat' IS NULL) AS finishes"
            + " FROM tasks t WHERE t.task_type = 'race'");
    assertEquals(submitted.size(), rows.size());
    for (Map<String, Object> row : rows) {
      assertTrue(row.get("status").equals("completed") || row.get("status").equals("failed"), context + row);
      assertEquals(1L, row.get("finishes"), context + "AUD-1: one finishing audit row: " + row);
      assertEquals(row.get("claimed_by"), row.get("by"), context + "the stored result is the claimant's: " + row);
    }
  }
}
