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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POL-1 and POL-2 over the full matrix of every action the service has (and unknown ones) x agent
 * types (with and without type lists, and a type with no row) x trust 0..4 x agent allow/block
 * lists x reaching others' entries, plus seeded generated cases. Profiles are loaded from the
 * database exactly as the policy verticle loads them. Each case must get the same answer from
 * Cedar and the native engine (POL-1) and that answer must be the one the docs give (POL-2):
 * {@link #GROUPS} pins every action's group by hand, and {@link #expected} applies the trust
 * table of docs/authorization.md to the profile the test wrote. Neither is read from the service,
 * so a change both engines share (an action moved to another group) still fails here.
 */
class EngineDifferentialTest {
  private static final List<String> UNKNOWN_ACTIONS = List.of("drop_database", "ACQUIRE_LOCK", "acquire_lock ");
  private static TestDatabase database;
  private static Vertx vertx;
  private static Pool pool;
  private static ProfileCache profiles;
  private static CedarPolicyEngine cedar;
  private static final NativePolicyEngine NATIVE = new NativePolicyEngine();

  /** The trust a group needs (authorization.md, "Trust levels"; requirements.md POL-2). */
  private enum Group {
    READ(1), WRITE(2), ADMIN(3);

    final int trust;

    Group(int trust) {
      this.trust = trust;
    }
  }

  /**
   * Every action's group, written from the docs, not derived from the code's annotations. Read:
   * checking and validating locks, reading tasks, handoffs, memories, agents, one's own audit
   * entries, dry runs (policy and guardrail checks), one's profile, and withdrawing one's own
   * waiting request, which changes nothing stored (mcp.md, "Cancellation"). Write: locks,
   * submitting, claiming (api.md: a claim is a write) and finishing work, sessions, handoffs,
   * memories. Admin: verifying the audit trail, validating and reloading policies (api.md
   * /v1/audit/verify trust 3; authorization.md, "Writing policies").
   */
  private static final Map<String, Group> GROUPS = Map.ofEntries(
      Map.entry("check_locks", Group.READ), Map.entry("validate_fencing_token", Group.READ),
      Map.entry("cancel_lock_wait", Group.READ), Map.entry("get_task", Group.READ), Map.entry("list_tasks", Group.READ),
      Map.entry("cancel_claim_wait", Group.READ), Map.entry("read_handoff", Group.READ), Map.entry("recall", Group.READ),
      Map.entry("discover_agents", Group.READ), Map.entry("query_audit", Group.READ),
      Map.entry("check_policy", Group.READ), Map.entry("check_guardrails", Group.READ),
      Map.entry("get_my_profile", Group.READ),
      Map.entry("acquire_lock", Group.WRITE), Map.entry("release_lock", Group.WRITE), Map.entry("renew_lock", Group.WRITE),
      Map.entry("submit_work", Group.WRITE), Map.entry("get_work", Group.WRITE), Map.entry("renew_claim", Group.WRITE),
      Map.entry("complete_work", Group.WRITE), Map.entry("cancel_task", Group.WRITE),
      Map.entry("register_session", Group.WRITE), Map.entry("heartbeat", Group.WRITE),
      Map.entry("end_session", Group.WRITE), Map.entry("write_handoff", Group.WRITE), Map.entry("remember", Group.WRITE),
      Map.entry("verify_audit", Group.ADMIN), Map.entry("validate_cedar_policy", Group.ADMIN),
      Map.entry("reload_policies", Group.ADMIN));

  /** An action list as a profile holds it; {@code null} for an allow list that is not set. */
  private record Lists(Set<String> allowed, Set<String> blocked) {
    static final Lists NONE = new Lists(null, Set.of());

    String sqlAllowed() {
      return allowed == null ? "NULL" : sqlArray(allowed);
    }

    static String sqlArray(Set<String> actions) {
      return "'{" + String.join(",", actions.stream().sorted().toList()) + "}'";
    }
  }

  /** A type the test gives agents but registers no row for: it has no lists. */
  private static final String UNREGISTERED = "never_registered";
  /** The agent types of the test's agents and their lists. */
  private static final Map<String, Lists> TYPE_LISTS = new TreeMap<>(Map.of(
      "claude_code", Lists.NONE,
      "restricted_bot", new Lists(Set.of("check_locks", "acquire_lock", "submit_work"), Set.of()),
      "careful", new Lists(null, Set.of("cancel_task", "reload_policies", "verify_audit")),
      UNREGISTERED, Lists.NONE));
  private static final List<String> TYPES = List.copyOf(TYPE_LISTS.keySet());
  private static final List<Lists> AGENT_LISTS = List.of(Lists.NONE, new Lists(null, Set.of("acquire_lock", "query_audit")),
      new Lists(Set.of("get_work", "check_locks", "query_audit"), Set.of()));

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    pool = Pools.create(vertx, database.url(), 2);
    profiles = new ProfileCache(pool);
    cedar = new CedarPolicyEngine(PolicyExamplesTest.POLICIES);
    TYPE_LISTS.forEach((type, lists) -> {
      if (!type.equals(UNREGISTERED)) {
        database.execute("INSERT INTO agent_types (agent_type, allowed_actions, blocked_actions) VALUES ('" + type + "', "
            + lists.sqlAllowed() + ", " + Lists.sqlArray(lists.blocked()) + ")");
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    database.close();
  }

  /** Writes an agent and loads its profile the way the policy verticle does. */
  private static Principal agent(String id, String type, int trust, Lists lists) throws Exception {
    database.execute("INSERT INTO agents (id, agent_type, trust, key_hash, allowed_actions, blocked_actions) VALUES ('"
        + id + "', '" + type + "', " + trust + ", sha256('" + id + "'::bytea), " + lists.sqlAllowed() + ", "
        + Lists.sqlArray(lists.blocked()) + ")");
    Principal principal = profiles.byId(id).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertTrue(principal != null, "no profile for " + id);
    return principal;
  }

  private static List<String> actions() {
    List<String> actions = new ArrayList<>(Commands.actionNames().sorted().toList());
    actions.addAll(UNKNOWN_ACTIONS);
    return actions;
  }

  /**
   * The decision the docs give (authorization.md): trust 0 is denied everything; so is an action on
   * the agent's or its type's blocked list (they add up), one outside the allow list (the agent's,
   * else its type's) and one the service does not have; otherwise the action's group sets the
   * trust it needs, and reaching other agents' entries needs admin trust.
   */
  private static boolean expected(String type, int trust, Lists agentLists, String action, boolean reachesOthers) {
    Lists typeLists = TYPE_LISTS.get(type);
    Set<String> allowed = agentLists.allowed() != null ? agentLists.allowed() : typeLists.allowed();
    Group group = GROUPS.get(action);
    if (trust <= 0 || agentLists.blocked().contains(action) || typeLists.blocked().contains(action)
        || (allowed != null && !allowed.contains(action)) || group == null) {
      return false;
    }
    return trust >= (reachesOthers ? Group.ADMIN.trust : group.trust);
  }

  /** POL-1: the engines agree; POL-2: on the documented answer. Returns that answer. */
  private static boolean decide(Principal principal, PolicyRequest request, boolean expected, String context) {
    Decision byCedar = cedar.decide(principal, request);
    Decision byNative = NATIVE.decide(principal, request);
    String seen = ": " + principal + " " + request + "\n  cedar: " + byCedar.reason() + "\n  native: " + byNative.reason();
    assertEquals(byNative.allowed(), byCedar.allowed(), () -> "POL-1 mismatch " + context + seen);
    assertEquals(expected, byCedar.allowed(), () -> "POL-2 both engines " + (expected ? "deny" : "allow")
        + " what the docs " + (expected ? "allow" : "deny") + ", " + context + seen);
    return expected;
  }

  @Test
  void everyActionOfTheServiceHasADocumentedGroup() {
    assertEquals(new TreeSet<>(GROUPS.keySet()), new TreeSet<>(Commands.actionNames().toList()),
        "POL-2: the expected table names exactly the service's actions; pin a new action's group here from the docs");
  }

  @Test
  void theEnginesGiveTheDocumentedAnswerOnTheFullMatrix() throws Exception {
    Map<Boolean, Integer> answers = new HashMap<>(Map.of(true, 0, false, 0));
    for (String type : TYPES) {
      for (int trust = 0; trust <= 4; trust++) {
        for (int lists = 0; lists < AGENT_LISTS.size(); lists++) {
          String id = "m-" + type + "-" + trust + "-" + lists;
          Principal principal = agent(id, type, trust, AGENT_LISTS.get(lists));
          for (String action : actions()) {
            for (boolean reachesOthers : new boolean[] {false, true}) {
              PolicyRequest named = PolicyRequest.named(action, "src/a.py");
              boolean answer = decide(principal,
                  new PolicyRequest(action, named.group(), named.resourceKind(), named.resource(), reachesOthers),
                  expected(type, trust, AGENT_LISTS.get(lists), action, reachesOthers), "matrix");
              answers.merge(answer, 1, Integer::sum);
            }
          }
        }
      }
    }
    assertTrue(answers.get(true) > 500 && answers.get(false) > 500, "the matrix is too small to learn from: " + answers);
  }

  @Test
  void theEnginesGiveTheDocumentedAnswerOnGeneratedCases() throws Exception {
    long seed = Long.getLong("coordinator.seed", new Random().nextLong());
    System.out.println("EngineDifferentialTest seed=" + seed + " (repeat with -Dcoordinator.seed=" + seed + ")");
    Random random = new Random(seed);
    List<String> actions = actions();
    for (int i = 0; i < 300; i++) {
      String type = TYPES.get(random.nextInt(TYPES.size()));
      int trust = random.nextInt(5);
      Lists lists = new Lists(random.nextInt(3) == 0 ? subset(random, actions) : null,
          random.nextInt(3) == 0 ? subset(random, actions) : Set.of());
      Principal principal = agent("g-" + i, type, trust, lists);
      for (int j = 0; j < 10; j++) {
        String action = actions.get(random.nextInt(actions.size()));
        boolean reachesOthers = random.nextBoolean();
        Optional<String> group = PolicyRequest.named(action, null).group();
        decide(principal, new PolicyRequest(action, group, "lock", "r" + random.nextInt(5), reachesOthers),
            expected(type, trust, lists, action, reachesOthers), "seed=" + seed + " case " + i);
      }
    }
  }

  private static Set<String> subset(Random random, List<String> actions) {
    return Stream.generate(() -> actions.get(random.nextInt(actions.size()))).limit(random.nextInt(4))
        .filter(action -> !action.contains(" ")).collect(Collectors.toSet());
  }
}
