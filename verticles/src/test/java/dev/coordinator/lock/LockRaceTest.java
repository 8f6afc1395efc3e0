package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
import org.junit.jupiter.api.Test;

/**
 * LOCK-1 and LOCK-2 under contention: agents race for a few keys through HTTP with a seeded mix
 * of acquire (short leases, so some expire), renew and release. Every reply is recorded with the
 * times it was sent and received, and the history is checked afterwards:
 * <ul>
 *   <li>fencing tokens are unique, and per key they increase in the order the grants happened;</li>
 *   <li>no two holders' beliefs overlap: an agent believes it holds a lock from the moment its
 *       grant arrives until the lease its latest reply gave it ends, or it sends a release,
 *       whichever is first; the next holder's grant must arrive after that.</li>
 * </ul>
 * Lease ends are the database's clock and arrivals the test's; the test database runs on this
 * host, so both read one clock. Run again with {@code -Dcoordinator.seed=N} to repeat a sequence.
 */
class LockRaceTest {
  private static final int AGENTS = 6;
  private static final int OPERATIONS = 60;
  private static final List<String> KEYS = List.of("src/hot.py", "db:users", "api:orders");

  /** One lock holding as its holder saw it. */
  private record Belief(String key, String agent, long token, Instant from, Instant until) {
  }

  /** What one agent saw: its beliefs, finished when it released or the lease ran out. */
  private static final class Agent {
    final String id;
    final String apiKey;
    final Random random;
    final List<Belief> beliefs = new ArrayList<>();
    final Map<String, Belief> holding = new HashMap<>();

    Agent(String id, String apiKey, Random random) {
      this.id = id;
      this.apiKey = apiKey;
      this.random = random;
    }

    void run(Http http) throws InterruptedException {
      for (int i = 0; i < OPERATIONS; i++) {
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
      Instant sent = Instant.now();
      Http.Response response = http.post("/v1/locks/acquire", apiKey, new JsonObject().put("key", key).put("ttl_seconds", ttl));
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
      } else {
        close(key, arrived);
        holding.put(key, new Belief(key, id, token, arrived, until));
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
      holding.computeIfPresent(key, (k, belief) -> new Belief(k, id, belief.token(), belief.from(), until));
    }

    private void close(String key, Instant at) {
      Belief belief = holding.remove(key);
      if (belief != null) {
        beliefs.add(new Belief(key, id, belief.token(), belief.from(), belief.until().isBefore(at) ? belief.until() : at));
      }
    }

    private void expect(Http.Response response, String... codes) {
      if (response.status() != 409 || !List.of(codes).contains(response.errorCode())) {
        throw new AssertionError(id + " got an unexpected answer: " + response);
      }
    }
  }

  @Test
  void noTwoHoldersOverlapAndTokensIncrease() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("LockRaceTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    try (TestService service = TestService.start()) {
      Random seeds = new Random(seed);
      List<Agent> agents = new ArrayList<>();
      for (int i = 0; i < AGENTS; i++) {
        String id = "racer" + i;
        agents.add(new Agent(id, service.agent(id, "claude_code", 2), new Random(seeds.nextLong())));
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
            run.get(120, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            fail("seed=" + seed + ": " + e.getCause().getMessage(), e.getCause());
          }
        }
      } finally {
        pool.shutdownNow();
      }
      List<Belief> history = new ArrayList<>();
      agents.forEach(agent -> history.addAll(agent.beliefs));
      check(history, seed);
      assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE expires_at > now()"),
          "seed=" + seed + ": every agent released what it held at the end");
    }
  }

  private static void check(List<Belief> history, long seed) {
    assertTrue(history.size() >= 2 * KEYS.size(), "seed=" + seed + ": too few grants to learn anything: " + history.size());
    Set<Long> tokens = new HashSet<>();
    for (Belief belief : history) {
      assertTrue(tokens.add(belief.token()), "seed=" + seed + ": LOCK-2 token " + belief.token() + " granted twice");
    }
    for (String key : KEYS) {
      List<Belief> grants = new ArrayList<>(history.stream().filter(b -> b.key().equals(key)).toList());
      grants.sort(Comparator.comparing(Belief::from));
      for (int i = 1; i < grants.size(); i++) {
        Belief before = grants.get(i - 1);
        Belief after = grants.get(i);
        assertTrue(after.token() > before.token(),
            "seed=" + seed + ": LOCK-2 on " + key + " token went from " + before + " to " + after);
        assertTrue(!after.from().isBefore(before.until()),
            "seed=" + seed + ": LOCK-1 on " + key + " two holders at once: " + before + " and " + after);
      }
    }
  }
}
