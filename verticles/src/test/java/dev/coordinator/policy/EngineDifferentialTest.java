package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import dev.coordinator.db.Pools;
import dev.coordinator.testing.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POL-1: Cedar and the native engine give the same answer over the full matrix of every action
 * the service has (and unknown ones) x agent types (with and without type lists, and a type with
 * no row) x trust 0..4 x agent allow/block lists x reading others' audit entries, plus seeded
 * generated cases. Profiles are loaded from the database exactly as the policy verticle loads them.
 */
class EngineDifferentialTest {
  private static final List<String> UNKNOWN_ACTIONS = List.of("drop_database", "ACQUIRE_LOCK", "acquire_lock ");
  private static TestDatabase database;
  private static Vertx vertx;
  private static Pool pool;
  private static ProfileCache profiles;
  private static CedarPolicyEngine cedar;
  private static final NativePolicyEngine NATIVE = new NativePolicyEngine();

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    pool = Pools.create(vertx, database.url(), 2);
    profiles = new ProfileCache(pool);
    cedar = new CedarPolicyEngine(PolicyExamplesTest.POLICIES);
    database.execute(
        "INSERT INTO agent_types (agent_type, allowed_actions) VALUES ('restricted_bot', '{check_locks,acquire_lock,submit_work}')",
        "INSERT INTO agent_types (agent_type, blocked_actions) VALUES ('careful', '{cancel_task,reload_policies,verify_audit}')",
        "INSERT INTO agent_types (agent_type) VALUES ('claude_code')");
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    database.close();
  }

  private static final List<String> TYPES = List.of("claude_code", "restricted_bot", "careful", "never_registered");
  private static final List<String> AGENT_ALLOWED = List.of("NULL", "NULL", "'{get_work,check_locks,query_audit}'");
  private static final List<String> AGENT_BLOCKED = List.of("'{}'", "'{acquire_lock,query_audit}'", "'{}'");

  private static Principal load(String id) throws Exception {
    Principal principal = profiles.byId(id).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertTrue(principal != null, "no profile for " + id);
    return principal;
  }

  private static List<String> actions() {
    List<String> actions = new ArrayList<>(Commands.actionNames().sorted().toList());
    actions.addAll(UNKNOWN_ACTIONS);
    return actions;
  }

  private static void compare(Principal principal, PolicyRequest request, String context) {
    Decision byCedar = cedar.decide(principal, request);
    Decision byNative = NATIVE.decide(principal, request);
    assertEquals(byNative.allowed(), byCedar.allowed(), () -> "POL-1 mismatch " + context + ": " + principal + " " + request
        + "\n  cedar: " + byCedar.reason() + "\n  native: " + byNative.reason());
  }

  @Test
  void theEnginesAgreeOnTheFullMatrix() throws Exception {
    int cases = 0;
    for (String type : TYPES) {
      for (int trust = 0; trust <= 4; trust++) {
        for (int lists = 0; lists < AGENT_ALLOWED.size(); lists++) {
          String id = "m-" + type + "-" + trust + "-" + lists;
          database.execute("INSERT INTO agents (id, agent_type, trust, key_hash, allowed_actions, blocked_actions) VALUES ('"
              + id + "', '" + type + "', " + trust + ", sha256('" + id + "'::bytea), " + AGENT_ALLOWED.get(lists) + ", "
              + AGENT_BLOCKED.get(lists) + ")");
          Principal principal = load(id);
          for (String action : actions()) {
            for (boolean readsOthers : new boolean[] {false, true}) {
              PolicyRequest named = PolicyRequest.named(action, "src/a.py");
              compare(principal, new PolicyRequest(action, named.group(), named.resourceKind(), named.resource(), readsOthers),
                  "matrix");
              cases++;
            }
          }
        }
      }
    }
    assertTrue(cases > 1000, "the matrix is " + cases + " cases");
  }

  @Test
  void theEnginesAgreeOnGeneratedCases() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("EngineDifferentialTest seed=" + seed);
    Random random = new Random(seed);
    List<String> actions = actions();
    for (int i = 0; i < 300; i++) {
      String id = "g-" + i;
      String allowed = random.nextInt(3) == 0 ? subset(random, actions) : "NULL";
      String blocked = random.nextInt(3) == 0 ? subset(random, actions) : "'{}'";
      database.execute("INSERT INTO agents (id, agent_type, trust, key_hash, allowed_actions, blocked_actions) VALUES ('"
          + id + "', '" + TYPES.get(random.nextInt(TYPES.size())) + "', " + random.nextInt(5) + ", sha256('" + id
          + "'::bytea), " + allowed + ", " + blocked + ")");
      Principal principal = load(id);
      for (int j = 0; j < 10; j++) {
        String action = actions.get(random.nextInt(actions.size()));
        Optional<String> group = PolicyRequest.named(action, null).group();
        compare(principal, new PolicyRequest(action, group, "lock", "r" + random.nextInt(5), random.nextBoolean()),
            "seed=" + seed + " case " + i);
      }
    }
  }

  private static String subset(Random random, List<String> actions) {
    return "'{" + String.join(",", Stream.generate(() -> actions.get(random.nextInt(actions.size())))
        .limit(random.nextInt(4)).filter(action -> !action.contains(" ")).distinct().toList()) + "}'";
  }
}
