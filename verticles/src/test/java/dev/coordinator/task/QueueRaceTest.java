package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TASK-1, TASK-2, TASK-3 and TASK-5 under contention, with leases running out: workers drain a
 * queue through HTTP while a producer keeps submitting, with seeded random pauses, waiting and
 * non-waiting claims, and some workers giving up on a claim to have it fail. A few workers stall
 * on a first claim instead of finishing it: they stop until the database shows their claim gone
 * (the sweeper requeued it once the {@value #LEASE_SECONDS} s lease, the shortest api.md allows,
 * ran out; no fixed sleep), then try to complete and renew with their stale token, which must be
 * refused with STALE_CLAIM. Another worker must then claim the task again. The recorded history
 * must show every task claimed by one worker at a time (a new claim only after the previous lease
 * ended), a new token per claim, every task finished exactly once by its last claim, every stalled
 * claim requeued and claimed again, and no task left claimed. Repeat a run with
 * {@code -Dcoordinator.seed=N}.
 */
class QueueRaceTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");
  private static final int WORKERS = 6;
  private static final int TASKS = 60;
  private static final int STALLS = 3;
  private static final int LEASE_SECONDS = 10;
  private static final int FINISHING_LEASE_SECONDS = 600;

  /** A claim a worker got, with the database's times; {@code stalled} when the worker let it expire. */
  private record Claim(String worker, String taskId, String token, int attempt, Instant at, Instant leaseEnds,
                       boolean stalled) {
  }

  /** A completion the service accepted. */
  private record Finish(String worker, String taskId, String token) {
  }

  /** What the workers saw, shared among them. */
  private record History(List<Claim> claims, List<Finish> finishes, Set<String> submitted, AtomicInteger stallsLeft) {
    History() {
      this(Collections.synchronizedList(new ArrayList<>()), Collections.synchronizedList(new ArrayList<>()),
          Collections.synchronizedSet(new HashSet<>()), new AtomicInteger(STALLS));
    }

    /** Every task is submitted and none is open: the run is over, whether or not the queue kept its promises. */
    boolean drained() {
      return submitted.size() == TASKS && ((Number) service.database().value(
          "SELECT count(*) FROM tasks WHERE task_type = 'race' AND status IN ('pending', 'claimed')")).longValue() == 0;
    }
  }

  @Test
  void everyTaskIsClaimedByOneWorkerAtATimeAndFinishedOnceAndExpiredClaimsComeBack() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("QueueRaceTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    Random seeds = new Random(seed);
    String producer = service.agent("producer", "operator", 2);
    History history = new History();
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);
    try {
      // Runs are taken as they end, so the first to fail fails the test at once (a worker waiting
      // for a requeue that never comes), while the others would go on claiming.
      CompletionService<Void> runs = new ExecutorCompletionService<>(pool);
      Random producing = new Random(seeds.nextLong());
      runs.submit(() -> {
        for (int i = 0; i < TASKS; i++) {
          Http.Response response = service.http().post("/v1/tasks", producer, new JsonObject().put("task_type", "race")
              .put("description", "task " + i).put("priority", 1 + producing.nextInt(10)));
          assertEquals(201, response.status(), response::toString);
          history.submitted().add(response.json().getJsonObject("task").getString("id"));
          Thread.sleep(producing.nextInt(10));
        }
        return null;
      });
      for (int w = 0; w < WORKERS; w++) {
        String worker = "worker" + w;
        String key = service.agent(worker, "claude_code", 2);
        Random random = new Random(seeds.nextLong());
        runs.submit(() -> {
          work(worker, key, random, history);
          return null;
        });
      }
      for (int ended = 0; ended < WORKERS + 1; ended++) {
        Future<Void> run = runs.poll(180, TimeUnit.SECONDS);
        if (run == null) {
          fail("seed=" + seed + ": the race did not end within 180 s");
        }
        try {
          run.get();
        } catch (ExecutionException e) {
          fail("seed=" + seed + ": " + e.getCause().getMessage(), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    check(history, seed);
  }

  /** Claims until the queue has been drained of all {@link #TASKS} tasks; finishes each claim it does not stall on. */
  private static void work(String worker, String key, Random random, History history) throws InterruptedException {
    Http http = service.http();
    boolean idle = false;
    while (!Thread.currentThread().isInterrupted() && !history.drained()) {
      // Only a claim meant to stall takes the short lease: the others must outlast a slow machine.
      boolean meantToStall = random.nextInt(4) == 0 && history.stallsLeft().getAndDecrement() > 0;
      JsonObject body = new JsonObject().put("task_types", new JsonArray().add("race"))
          .put("lease_seconds", meantToStall ? LEASE_SECONDS : FINISHING_LEASE_SECONDS);
      // After an empty answer, wait for a submit or a requeue to wake the claim rather than asking again at once.
      if (idle || random.nextBoolean()) {
        body.put("wait_ms", idle ? 2_000 : 200);
      }
      Http.Response claimed = http.post("/v1/tasks/claim", key, body);
      assertEquals(200, claimed.status(), claimed::toString);
      JsonObject task = claimed.json().getJsonObject("task");
      idle = task == null;
      boolean stall = meantToStall && !idle && task.getInteger("attempt") == 1;
      if (meantToStall && !stall) {
        history.stallsLeft().incrementAndGet();
      }
      if (idle) {
        continue;
      }
      String id = task.getString("id");
      String token = task.getString("claim_token");
      history.claims().add(new Claim(worker, id, token, task.getInteger("attempt"), time(task, "claimed_at"),
          time(task, "lease_expires_at"), stall));
      if (stall) {
        stall(http, worker, key, id, token);
        continue;
      }
      Thread.sleep(random.nextInt(8));
      boolean success = random.nextInt(10) > 0;
      Http.Response done = http.post("/v1/tasks/" + id + "/complete", key, new JsonObject()
          .put("claim_token", token).put("success", success).put("result", new JsonObject().put("by", worker)));
      assertEquals(200, done.status(), worker + " could not finish its own live claim: " + done);
      history.finishes().add(new Finish(worker, id, token));
      if (random.nextInt(4) == 0) {
        Http.Response again = http.post("/v1/tasks/" + id + "/complete", key, new JsonObject()
            .put("claim_token", token).put("success", !success));
        assertEquals("INVALID_STATE", again.errorCode(), "a second, different finish is refused: " + again);
      }
    }
  }

  /**
   * Lets the claim's lease run out without a word, until the database shows the task no longer
   * carries the token (TASK-5: the sweeper gave it back), then tries the stale token (TASK-3).
   */
  private static void stall(Http http, String worker, String key, String id, String token) {
    Await.until("TASK-5: the sweeper gives back task " + id + " after " + worker + "'s lease runs out",
        () -> (Boolean) service.database().value(
            "SELECT claim_token IS DISTINCT FROM ?::uuid FROM tasks WHERE id = ?::uuid", token, id));
    Map<String, JsonObject> attempts = Map.of(
        "complete", new JsonObject().put("claim_token", token).put("success", true).put("result", new JsonObject().put("by", worker)),
        "renew", new JsonObject().put("claim_token", token));
    attempts.forEach((attempt, body) -> {
      Http.Response stale = http.post("/v1/tasks/" + id + "/" + attempt, key, body);
      assertEquals("STALE_CLAIM", stale.errorCode(),
          "TASK-3: " + worker + "'s " + attempt + " with the token of its expired claim of " + id + " is refused: " + stale);
    });
  }

  private static Instant time(JsonObject task, String field) {
    return OffsetDateTime.parse(task.getString(field)).toInstant();
  }

  private static void check(History history, long seed) {
    String context = "seed=" + seed + ": ";
    Map<String, List<Claim>> claims = history.claims().stream().collect(Collectors.groupingBy(Claim::taskId));
    Map<String, List<Finish>> finishes = history.finishes().stream().collect(Collectors.groupingBy(Finish::taskId));
    assertEquals(history.submitted(), claims.keySet(), context + "TASK-5: every submitted task was claimed, none lost");
    Set<String> tokens = new HashSet<>();
    history.claims().forEach(claim -> assertTrue(tokens.add(claim.token()), context + "TASK-1: claim token reused: " + claim));
    long stalls = history.claims().stream().filter(Claim::stalled).count();
    assertTrue(stalls > 0, context + "no claim was let expire, so TASK-3 and TASK-5 went untested");
    for (var entry : claims.entrySet()) {
      List<Claim> ofTask = new ArrayList<>(entry.getValue());
      ofTask.sort(Comparator.comparing(Claim::at));
      for (int i = 0; i < ofTask.size(); i++) {
        Claim claim = ofTask.get(i);
        assertEquals(i + 1, claim.attempt(), context + "TASK-5: each claim counts one attempt: " + ofTask);
        assertTrue(i == ofTask.size() - 1 || claim.stalled(),
            context + "TASK-1: task " + entry.getKey() + " claimed again after a claim that was finished: " + ofTask);
        assertTrue(i == 0 || !claim.at().isBefore(ofTask.get(i - 1).leaseEnds()),
            context + "TASK-1: task " + entry.getKey() + " claimed while the previous lease ran: " + ofTask);
      }
      Claim last = ofTask.get(ofTask.size() - 1);
      assertTrue(!last.stalled(), context + "TASK-5: the expired claim of " + entry.getKey() + " was not claimed again");
      List<Finish> done = finishes.getOrDefault(entry.getKey(), List.of());
      assertEquals(1, done.size(), context + "TASK-2: task " + entry.getKey() + " finished " + done.size() + " times");
      assertEquals(last.token(), done.get(0).token(), context + "TASK-2: the finish is the last claim's: " + ofTask);
    }
    List<Map<String, Object>> rows = service.database().query(
        "SELECT t.id::text AS id, t.status, t.claimed_by, t.result->>'by' AS by,"
            + " (SELECT count(*) FROM audit_log a WHERE a.resource = t.id::text AND a.action = 'complete_work'"
            + "  AND a.outcome = 'ok' AND a.result->>'repeat' IS NULL) AS finishes,"
            + " (SELECT count(*) FROM audit_log a WHERE a.resource = t.id::text AND a.action = 'requeue_task') AS requeues"
            + " FROM tasks t WHERE t.task_type = 'race'");
    assertEquals(history.submitted().size(), rows.size());
    for (Map<String, Object> row : rows) {
      assertTrue(row.get("status").equals("completed") || row.get("status").equals("failed"),
          context + "every task ends finished, none left claimed: " + row);
      assertEquals(1L, row.get("finishes"), context + "AUD-1: one finishing audit row: " + row);
      assertEquals(row.get("claimed_by"), row.get("by"), context + "the stored result is the claimant's: " + row);
      assertEquals((long) claims.get((String) row.get("id")).size() - 1, row.get("requeues"),
          context + "TASK-5: one audited requeue per expired claim: " + row);
    }
    System.out.println("QueueRaceTest: " + history.claims().size() + " claims, " + stalls + " let expire and claimed again");
  }
}
