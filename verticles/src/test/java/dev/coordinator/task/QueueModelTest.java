package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Generated sequences of submit / claim / renew / complete / cancel / lease expiry from several
 * agents, applied to the running service and to a small reference model of the queue written
 * here; every answer and the whole queue state are compared after each step. Lease expiry is
 * made by moving a lease into the past (as the schema owner) and letting the real sweeper act.
 * A failure names the seed and step; repeat one with {@code -Dcoordinator.seed=N}. The model holds
 * TASK-1 (one claimant, a new token per claim), TASK-2 (a finished task stays finished: a second,
 * different completion is INVALID_STATE), TASK-3 (a dead token is STALE_CLAIM), TASK-4, TASK-5 (an
 * expired lease requeues the task, or fails it on its last attempt) and TASK-6.
 */
class QueueModelTest {
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "50");
  private static final int STEPS = 120;
  private static final List<String> AGENTS = List.of("m-alice", "m-bob", "m-admin");
  private static final Map<String, String> KEYS = new HashMap<>();

  /** The model's view of one task. */
  private static final class ModelTask {
    final String id;
    final long seq;
    final int priority;
    final List<String> deps;
    final String submitter;
    final int maxAttempts;
    String status;
    String claimant;
    String token;
    int attempt;
    boolean failedByExpiry;

    ModelTask(String id, long seq, int priority, List<String> deps, String submitter, int maxAttempts, String status) {
      this.id = id;
      this.seq = seq;
      this.priority = priority;
      this.deps = deps;
      this.submitter = submitter;
      this.maxAttempts = maxAttempts;
      this.status = status;
    }

    boolean terminal() {
      return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
    }
  }

  /** An expected answer: HTTP status and error code (null on success). */
  private record Outcome(int status, String code) {
  }

  private final Map<String, ModelTask> tasks = new LinkedHashMap<>();
  private final Map<String, Set<String>> issuedTokens = new HashMap<>();
  private long nextSeq;

  static List<Long> seeds() {
    Long fixed = Long.getLong("coordinator.seed");
    return List.of(fixed != null ? fixed : new Random().nextLong(), new Random().nextLong());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void theServiceBehavesAsTheModel(long seed) {
    System.out.println("QueueModelTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    for (String agent : AGENTS) {
      KEYS.computeIfAbsent(agent, id -> service.agent(id, "model", id.equals("m-admin") ? 3 : 2));
    }
    service.database().execute("UPDATE tasks SET status = 'cancelled', lease_expires_at = NULL, completed_at = now()"
        + " WHERE status IN ('pending', 'claimed')");
    tasks.clear();
    issuedTokens.clear();
    Random random = new Random(seed);
    for (int step = 0; step < STEPS; step++) {
      String where = "seed=" + seed + " step " + step + ": ";
      String agent = AGENTS.get(random.nextInt(AGENTS.size()));
      List<ModelTask> known = new ArrayList<>(tasks.values());
      ModelTask some = known.isEmpty() ? null : known.get(random.nextInt(known.size()));
      int choice = random.nextInt(100);
      if (choice < 30 || some == null) {
        submit(where, agent, random);
      } else if (choice < 55) {
        claim(where, agent);
      } else if (choice < 65) {
        renew(where, agent, some, random);
      } else if (choice < 85) {
        complete(where, agent, some, random);
      } else if (choice < 92) {
        cancel(where, agent, some);
      } else {
        expire(where, some);
      }
      compareState(where);
    }
  }

  private void submit(String where, String agent, Random random) {
    List<String> deps = new ArrayList<>();
    List<String> ids = new ArrayList<>(tasks.keySet());
    for (int i = 0; i < random.nextInt(3) && !ids.isEmpty(); i++) {
      deps.add(ids.get(random.nextInt(ids.size())));
    }
    boolean unknown = random.nextInt(15) == 0;
    if (unknown) {
      deps.add(UUID.randomUUID().toString());
    }
    deps = deps.stream().distinct().toList();
    int priority = 1 + random.nextInt(3);
    int maxAttempts = 1 + random.nextInt(2);
    Http.Response response = service.http().post("/v1/tasks", KEYS.get(agent), new JsonObject().put("task_type", "model")
        .put("description", "d").put("priority", priority).put("max_attempts", maxAttempts).put("depends_on", new JsonArray(deps)));
    if (unknown) {
      expect(where + "submit with an unknown dependency", new Outcome(422, "UNKNOWN_DEPENDENCY"), response);
      return;
    }
    expect(where + "submit", new Outcome(201, null), response);
    boolean doomed = deps.stream().map(tasks::get).anyMatch(dep -> dep.status.equals("failed") || dep.status.equals("cancelled"));
    String id = response.json().getJsonObject("task").getString("id");
    tasks.put(id, new ModelTask(id, nextSeq++, priority, deps, agent, maxAttempts, doomed ? "cancelled" : "pending"));
  }

  private void claim(String where, String agent) {
    ModelTask expected = tasks.values().stream()
        .filter(task -> task.status.equals("pending"))
        .filter(task -> task.deps.stream().allMatch(dep -> tasks.get(dep).status.equals("completed")))
        .min(Comparator.<ModelTask>comparingInt(task -> task.priority).thenComparingLong(task -> task.seq))
        .orElse(null);
    Http.Response response = service.http().post("/v1/tasks/claim", KEYS.get(agent),
        new JsonObject().put("task_types", new JsonArray().add("model")));
    expect(where + "claim", new Outcome(200, null), response);
    JsonObject task = response.json().getJsonObject("task");
    if (expected == null) {
      assertEquals(null, task, where + "nothing should be claimable");
      return;
    }
    assertNotNull(task, where + "expected to claim " + expected.id);
    assertEquals(expected.id, task.getString("id"), where + "TASK-6/TASK-4: the wrong task was claimed");
    expected.status = "claimed";
    expected.claimant = agent;
    expected.token = task.getString("claim_token");
    expected.attempt++;
    assertTrue(issuedTokens.computeIfAbsent(expected.id + agent, k -> new HashSet<>()).add(expected.token),
        where + "TASK-1: a claim token was issued twice");
  }

  private String tokenFor(ModelTask task, String agent, Random random) {
    Set<String> mine = issuedTokens.getOrDefault(task.id + agent, Set.of());
    if (task.token != null && agent.equals(task.claimant) && random.nextInt(4) > 0) {
      return task.token;
    }
    return !mine.isEmpty() && random.nextBoolean() ? mine.iterator().next() : UUID.randomUUID().toString();
  }

  /**
   * The refusal of a claim-token operation on a task that is not the caller's live claim: a dead token
   * of the caller's is STALE_CLAIM whatever became of the task since (queue.md), unless its own claim
   * finished the task or the task was cancelled (INVALID_STATE).
   */
  private Outcome refusal(ModelTask task, String agent, String token) {
    boolean finishedByThisClaim = (task.status.equals("completed") || task.status.equals("failed"))
        && !task.failedByExpiry && token.equals(task.token);
    if (task.status.equals("cancelled") || finishedByThisClaim) {
      return new Outcome(409, "INVALID_STATE");
    }
    if (issuedTokens.getOrDefault(task.id + agent, Set.of()).contains(token)) {
      return new Outcome(409, "STALE_CLAIM");
    }
    return new Outcome(409, task.terminal() ? "INVALID_STATE" : "NOT_CLAIMANT");
  }

  private boolean liveClaim(ModelTask task, String agent, String token) {
    return task.status.equals("claimed") && agent.equals(task.claimant) && token.equals(task.token);
  }

  private void renew(String where, String agent, ModelTask task, Random random) {
    String token = tokenFor(task, agent, random);
    Http.Response response = service.http().post("/v1/tasks/" + task.id + "/renew", KEYS.get(agent),
        new JsonObject().put("claim_token", token));
    expect(where + "renew " + task.id, liveClaim(task, agent, token) ? new Outcome(200, null) : refusal(task, agent, token),
        response);
  }

  private void complete(String where, String agent, ModelTask task, Random random) {
    String token = tokenFor(task, agent, random);
    boolean success = random.nextInt(4) > 0;
    Http.Response response = service.http().post("/v1/tasks/" + task.id + "/complete", KEYS.get(agent),
        new JsonObject().put("claim_token", token).put("success", success));
    if (liveClaim(task, agent, token)) {
      expect(where + "complete " + task.id, new Outcome(200, null), response);
      task.status = success ? "completed" : "failed";
      if (!success) {
        cascade(task.id);
      }
      return;
    }
    boolean repeat = (task.status.equals("completed") || task.status.equals("failed")) && !task.failedByExpiry
        && agent.equals(task.claimant) && token.equals(task.token) && task.status.equals(success ? "completed" : "failed");
    expect(where + "complete " + task.id, repeat ? new Outcome(200, null) : refusal(task, agent, token), response);
  }

  private void cancel(String where, String agent, ModelTask task) {
    Http.Response response = service.http().post("/v1/tasks/" + task.id + "/cancel", KEYS.get(agent),
        new JsonObject().put("reason", "model"));
    if (!task.submitter.equals(agent) && !agent.equals("m-admin")) {
      expect(where + "cancel " + task.id, new Outcome(403, "POLICY_DENIED"), response);
    } else if (task.terminal()) {
      expect(where + "cancel " + task.id, new Outcome(409, "INVALID_STATE"), response);
    } else {
      expect(where + "cancel " + task.id, new Outcome(200, null), response);
      task.status = "cancelled";
      cascade(task.id);
    }
  }

  private void expire(String where, ModelTask task) {
    if (!task.status.equals("claimed")) {
      return;
    }
    service.database().execute("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = '" + task.id + "'");
    Await.until("the sweeper handled the expired claim of " + task.id,
        () -> !"claimed".equals(service.database().value("SELECT status FROM tasks WHERE id = ?::uuid", task.id)));
    if (task.attempt >= task.maxAttempts) {
      task.status = "failed";
      task.failedByExpiry = true;
      cascade(task.id);
    } else {
      task.status = "pending";
      task.claimant = null;
      task.token = null;
    }
  }

  /** Pending tasks depending (transitively) on {@code root} are cancelled. */
  private void cascade(String root) {
    boolean changed = true;
    Set<String> doomed = new HashSet<>(Set.of(root));
    while (changed) {
      changed = false;
      for (ModelTask task : tasks.values()) {
        if (!doomed.contains(task.id) && task.deps.stream().anyMatch(doomed::contains)) {
          doomed.add(task.id);
          changed = true;
          if (task.status.equals("pending")) {
            task.status = "cancelled";
          }
        }
      }
    }
  }

  private static void expect(String what, Outcome expected, Http.Response response) {
    String code = response.status() >= 400 ? response.errorCode() : null;
    assertEquals(expected, new Outcome(response.status(), code), what + ": " + response);
  }

  private void compareState(String where) {
    Map<String, String> expected = new TreeMap<>();
    tasks.values().forEach(task -> expected.put(task.id, task.status + " by " + task.claimant + " attempt " + task.attempt));
    Map<String, String> actual = new TreeMap<>();
    service.database().query("SELECT id::text AS id, status, claimed_by, attempt FROM tasks WHERE task_type = 'model'"
        + " AND id = ANY(?::uuid[])", (Object) tasks.keySet().toArray(String[]::new)).forEach(row ->
        actual.put((String) row.get("id"), row.get("status") + " by " + row.get("claimed_by") + " attempt " + row.get("attempt")));
    assertEquals(expected, actual, where + "the queue differs from the model");
  }
}
