package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestDatabase;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * LOCK-1, LOCK-2 and LOCK-3 under contention, with leases running out: agents race for a few keys
 * through HTTP with a seeded mix of acquire (1-2 s leases, some waiting longer than a lease for
 * the key), renew and release. Once in its run each agent stalls on a lock it just took: it stops
 * until the database shows its lease over (no fixed sleep), so others take the expired lock over,
 * and then it tries its stale token: renew and release must be refused and validate must answer
 * false. Agents keep racing while anyone stalls, so the expired locks are contested. Every reply
 * is recorded with the times it was sent and received, and the history is checked afterwards:
 * <ul>
 *   <li>LOCK-2: fencing tokens are unique, and per key they strictly increase in the order the
 *       database granted them, takeovers of expired locks included (at least one is required);</li>
 *   <li>LOCK-1: no two holders' beliefs overlap: an agent believes it holds a lock from the moment
 *       its grant arrives until the lease its latest reply gave it ends, or it sends a release,
 *       whichever is first.</li>
 * </ul>
 * Lease ends and grant times are the database's clock and arrivals the test's; the test database
 * runs on this host, so both read one clock. Run again with {@code -Dcoordinator.seed=N} to
 * repeat a sequence.
 */
class LockRaceTest {
  private static final int AGENTS = 6;
  private static final int OPERATIONS = 60;
  private static final List<String> KEYS = List.of("src/hot.py", "db:users", "api:orders");
  /** Longer than any lease the race takes, so a waiter behind a stalled holder gets the expired lock. */
  private static final int WAIT_MS = 2_500;

  /**
   * One lock holding as its holder saw it: granted by the database at {@code granted}, believed
   * from {@code from} until {@code until}; {@code lapsed} when it ended with its lease, not a release.
   */
  private record Belief(String key, String agent, long token, Instant granted, Instant from, Instant until, boolean lapsed) {
    boolean overlaps(Belief other) {
      return from.isBefore(until) && other.from.isBefore(other.until)
          && from.isBefore(other.until) && other.from.isBefore(until);
    }
  }

  /** What one agent saw: its beliefs, finished when it released or the lease ran out. */
  private static final class Agent {
    final String id;
    final String apiKey;
    final Random random;
    final TestDatabase database;
    final AtomicInteger stalling;
    final List<Belief> beliefs = new ArrayList<>();
    final Map<String, Belief> holding = new HashMap<>();
    boolean stalled;

    Agent(String id, String apiKey, Random random, TestDatabase database, AtomicInteger stalling) {
      this.id = id;
      this.apiKey = apiKey;
      this.random = random;
      this.database = database;
      this.stalling = stalling;
    }

    /** Races for its operations, and on while anyone stalls, so that expired locks are contested. */
    void run(Http http) throws InterruptedException {
      for (int i = 0; i < OPERATIONS || stalling.get() > 0; i++) {
        String key = KEYS.get(random.nextInt(KEYS.size()));
        int choice = random.nextInt(10);
        if (choice < 5) {
          acquire(http, key);
        } else if (choice < 8) {
          release(http, key, random.nextBoolean());
        } else {
          renew(http, key);
        }
        Thread.sleep(random.nextInt(15));
      }
      holding.keySet().stream().toList().forEach(key -> release(http, key, true));
    }

    private void acquire(Http http, String key) {
      int ttl = 1 + random.nextInt(2);
      JsonObject body = new JsonObject().put("key", key).put("ttl_seconds", ttl);
      if (random.nextInt(8) == 0) {
        body.put("wait_ms", WAIT_MS);
      }
      Instant sent = Instant.now();
      Http.Response response = http.post("/v1/locks/acquire", apiKey, body);
      Instant arrived = Instant.now();
      if (response.status() != 200) {
        expect(response, "LOCK_HELD");
        return;
      }
      JsonObject lock = response.json().getJsonObject("lock");
      long token = lock.getLong("fencing_token");
      Instant until = Instant.parse(lock.getString("expires_at"));
      Belief current = live(key, sent);
      if ("refreshed".equals(response.json().getString("action"))) {
        if (current == null || current.token() != token) {
          throw new AssertionError(id + " got a refresh of " + key + " token " + token + " while believing " + current);
        }
        extend(key, until);
        return;
      }
      close(key, arrived);
      holding.put(key, new Belief(key, id, token, Instant.parse(lock.getString("acquired_at")), arrived, until, false));
      if (!stalled && random.nextInt(3) == 0) {
        stall(http, key, token);
      }
    }

    /**
     * Stops holding {@code key} without a word until the database shows the lease over, then
     * tries the stale token (LOCK-3): every attempt is refused, and it is no longer valid.
     */
    private void stall(Http http, String key, long token) {
      stalled = true;
      stalling.incrementAndGet();
      try {
        Await.until(id + "'s lease on " + key + " (token " + token + ") runs out", () -> ((Number) database.value(
            "SELECT count(*) FROM locks WHERE key = ? AND holder = ? AND fencing_token = ? AND expires_at > clock_timestamp()",
            key, id, token)).longValue() == 0);
        Belief lapsed = holding.remove(key);
        beliefs.add(new Belief(key, id, token, lapsed.granted(), lapsed.from(), lapsed.until(), true));
        expect(http.post("/v1/locks/renew", apiKey, new JsonObject().put("key", key).put("fencing_token", token)),
            "NOT_LOCK_HOLDER", "STALE_FENCING_TOKEN");
        Http.Response validated = http.post("/v1/locks/validate", apiKey,
            new JsonObject().put("key", key).put("fencing_token", token));
        if (validated.status() != 200 || validated.json().getBoolean("valid")) {
          throw new AssertionError("LOCK-2: " + id + "'s token " + token + " of " + key
              + " is still valid after its lease ran out: " + validated);
        }
        expect(http.post("/v1/locks/release", apiKey, new JsonObject().put("key", key).put("fencing_token", token)),
            "NOT_LOCK_HOLDER", "STALE_FENCING_TOKEN");
      } finally {
        stalling.decrementAndGet();
      }
    }

    private void renew(Http http, String key) {
      Belief current = holding.get(key);
      long token = current == null ? 1 : current.token();
      Instant sent = Instant.now();
      Http.Response response = http.post("/v1/locks/renew", apiKey, new JsonObject().put("key", key).put("fencing_token", token));
      if (response.status() == 200) {
        Belief live = live(key, sent);
        if (live == null || live.token() != token) {
          throw new AssertionError(id + " renewed " + key + " token " + token + " which it did not hold: " + live);
        }
        extend(key, Instant.parse(response.json().getJsonObject("lock").getString("expires_at")));
      } else {
        expect(response, "NOT_LOCK_HOLDER", "STALE_FENCING_TOKEN");
      }
    }

    private void release(Http http, String key, boolean withToken) {
      Belief current = holding.get(key);
      JsonObject body = new JsonObject().put("key", key);
      if (withToken && current != null) {
        body.put("fencing_token", current.token());
      }
      Instant sent = Instant.now();
      close(key, sent);
      Http.Response response = http.post("/v1/locks/release", apiKey, body);
      if (response.status() != 200) {
        expect(response, "NOT_LOCK_HOLDER", "STALE_FENCING_TOKEN");
      }
    }

    /**
     * The belief about {@code key}, if its lease had not run out by {@code now}. A refresh or renew
     * is judged at its sending: the service decided it somewhere between sending and arrival, so a
     * lease still running when the request left may have been extended, even if the answer
     * arrives after the old lease's end (a slow machine); one sent after the end may not.
     */
    private Belief live(String key, Instant now) {
      Belief belief = holding.get(key);
      return belief != null && belief.until().isAfter(now) ? belief : null;
    }

    private void extend(String key, Instant until) {
      holding.computeIfPresent(key, (k, belief) ->
          new Belief(k, id, belief.token(), belief.granted(), belief.from(), until, false));
    }

    private void close(String key, Instant at) {
      Belief belief = holding.remove(key);
      if (belief != null) {
        boolean lapsed = belief.until().isBefore(at);
        beliefs.add(new Belief(key, id, belief.token(), belief.granted(), belief.from(), lapsed ? belief.until() : at, lapsed));
      }
    }

    private void expect(Http.Response response, String... codes) {
      if (response.status() != 409 || !List.of(codes).contains(response.errorCode())) {
        throw new AssertionError(id + " got an unexpected answer (wanted " + List.of(codes) + "): " + response);
      }
    }
  }

  @Test
  void noTwoHoldersOverlapAndTokensRiseAcrossExpiredLeases() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("LockRaceTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    try (TestService service = TestService.start()) {
      Random seeds = new Random(seed);
      AtomicInteger stalling = new AtomicInteger();
      List<Agent> agents = new ArrayList<>();
      for (int i = 0; i < AGENTS; i++) {
        String id = "racer" + i;
        agents.add(new Agent(id, service.agent(id, "claude_code", 2), new Random(seeds.nextLong()), service.database(),
            stalling));
      }
      ExecutorService pool = Executors.newFixedThreadPool(AGENTS);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (Agent agent : agents) {
          runs.add(pool.submit(() -> {
            agent.run(service.http());
            return null;
          }));
        }
        for (Future<?> run : runs) {
          try {
            run.get(180, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            fail("seed=" + seed + ": " + e.getCause().getMessage(), e.getCause());
          }
        }
      } finally {
        pool.shutdownNow();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        List<Belief> recorded = new ArrayList<>();
        agents.forEach(agent -> recorded.addAll(agent.beliefs));
        writeTrace(recorded);
      }
      List<Belief> history = new ArrayList<>();
      agents.forEach(agent -> history.addAll(agent.beliefs));
      check(history, seed);
      assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE expires_at > now()"),
          "seed=" + seed + ": every agent released what it held at the end");
    }
  }

  /**
   * TLA-2: the grants as the database made them and the releases as they were sent, for the
   * trace validation of the tla module (tla/LockTrace.tla replays them through the model's own
   * LOCK-1 and LOCK-2), in microseconds from the first grant. Written even when the run fails, so
   * that a broken service's history can be kept as a trace that must be rejected.
   */
  private static void writeTrace(List<Belief> history) throws IOException {
    if (history.isEmpty()) {
      return;
    }
    Instant start = history.stream().map(Belief::granted).min(Comparator.naturalOrder()).orElseThrow();
    List<String> lines = new ArrayList<>();
    for (Belief belief : history) {
      long granted = micros(start, belief.granted());
      long until = micros(start, belief.until());
      lines.add(new JsonObject().put("kind", "grant").put("session", belief.agent()).put("key", belief.key())
          .put("token", belief.token()).put("at", granted).put("expires", until).encode());
      if (!belief.lapsed()) {
        lines.add(new JsonObject().put("kind", "free").put("session", belief.agent()).put("key", belief.key())
            .put("token", belief.token()).put("at", until).encode());
      }
    }
    Path dir = Path.of("target", "histories");
    Files.createDirectories(dir);
    Files.write(dir.resolve("lock-race.jsonl"), lines);
  }

  private static long micros(Instant start, Instant at) {
    return Duration.between(start, at).toNanos() / 1_000;
  }

  private static void check(List<Belief> history, long seed) {
    String context = "seed=" + seed + ": ";
    assertTrue(history.size() >= 2 * KEYS.size(), context + "too few grants to learn anything: " + history.size());
    Set<Long> tokens = new HashSet<>();
    for (Belief belief : history) {
      assertTrue(tokens.add(belief.token()), context + "LOCK-2 token " + belief.token() + " granted twice");
    }
    int takeovers = 0;
    for (String key : KEYS) {
      List<Belief> grants = new ArrayList<>(history.stream().filter(b -> b.key().equals(key)).toList());
      grants.sort(Comparator.comparing(Belief::granted));
      for (int i = 1; i < grants.size(); i++) {
        Belief before = grants.get(i - 1);
        Belief after = grants.get(i);
        assertTrue(after.token() > before.token(), context + "LOCK-2 on " + key + " token went from " + before
            + " to " + after + (before.lapsed() ? " (taking over an expired lease)" : ""));
        takeovers += before.lapsed() ? 1 : 0;
      }
      for (Belief one : grants) {
        for (Belief other : grants) {
          assertTrue(one == other || !one.overlaps(other),
              context + "LOCK-1 on " + key + " two holders at once: " + one + " and " + other);
        }
      }
    }
    assertTrue(takeovers > 0, context + "no lock was taken over after its lease ran out, so LOCK-2 across expiry went untested");
    System.out.println("LockRaceTest: " + history.size() + " grants, " + takeovers + " after an expired lease");
  }
}
