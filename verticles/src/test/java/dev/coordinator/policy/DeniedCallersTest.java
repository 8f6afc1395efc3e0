package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.ValidRequests;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ENF-1, ENF-2, ENF-5: for every mutation the code has (taken from the command families, not a
 * hand list), a caller below write trust is denied, nothing changes, and the denial is audited.
 */
class DeniedCallersTest {
  private static final String KEY = "src/guarded.py";
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static long token;

  private static Map<Class<?>, ValidRequests.Rest> samples;

  @BeforeAll
  static void agents() {
    http = service.http();
    ValidRequests.Fixture fixture = ValidRequests.fixture(http, service.agent("holder", "claude_code", 2), KEY);
    token = fixture.fencingToken();
    samples = ValidRequests.rest(fixture);
  }

  static Stream<Arguments> deniedMutations() {
    return Commands.mutations().stream().flatMap(type -> Stream.of(0, 1).map(trust -> Arguments.of(type, trust)));
  }

  @Test
  void everyMutationHasASampleRequest() {
    for (Class<?> mutation : Commands.mutations()) {
      assertNotNull(samples.get(mutation), "ENF-1: no denied-caller sample for the mutation " + mutation.getName());
    }
  }

  @ParameterizedTest(name = "ENF-1 {0} by trust {1}")
  @MethodSource("deniedMutations")
  void aCallerBelowWriteTrustChangesNothing(Class<?> mutation, int trust) {
    ValidRequests.Rest sample = samples.get(mutation);
    assertNotNull(sample, "no sample for " + mutation.getName());
    String agent = "low-" + trust + "-" + mutation.getSimpleName().toLowerCase();
    String key = service.agent(agent, "claude_code", trust);
    List<Map<String, Object>> locksBefore = locks();
    List<Map<String, Object>> stateBefore = state();

    Http.Response response = sample.send(http, key);

    assertEquals(403, response.status(), response::toString);
    assertEquals("POLICY_DENIED", response.errorCode());
    JsonObject details = response.json().getJsonObject("error").getJsonObject("details");
    assertEquals("cedar", details.getString("engine"), "Cedar is the default engine");
    assertNotNull(details.getString("reason"));
    assertNotNull(details.getJsonArray("policies"), response::toString);
    if (trust == 0) {
      assertTrue(details.getJsonArray("policies").contains("suspended"), "the forbid that denied it: " + response);
    }
    assertEquals(locksBefore, locks(), "ENF-1: a denied " + mutation.getSimpleName() + " changed the locks table");
    assertEquals(stateBefore, state(), "ENF-1: a denied " + mutation.getSimpleName() + " changed tasks, sessions, handoffs or memories");
    String action = Commands.action(mutation).value();
    assertEquals(1L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = ? AND action = ? AND decision = 'deny' AND outcome = 'denied'",
        agent, action), "ENF-5: the denial is one audit row");
    assertEquals(0L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = ? AND outcome <> 'denied'", agent));
  }

  @ParameterizedTest(name = "POL-2 {0} by enough trust")
  @MethodSource("mutations")
  void aCallerWithEnoughTrustIsNotDenied(Class<?> mutation) {
    ValidRequests.Rest sample = samples.get(mutation);
    int trust = Commands.action(mutation).admin() ? 3 : 2;
    String key = service.agent("able-" + trust + "-" + mutation.getSimpleName().toLowerCase(), "claude_code", trust);
    Http.Response response = sample.send(http, key);
    boolean deniedByPolicy = response.status() == 403
        && response.json().getJsonObject("error").getJsonObject("details").containsKey("engine");
    assertTrue(!deniedByPolicy, "POL-2: trust " + trust + " may run " + mutation.getSimpleName()
        + " (it may still fail for its own reasons, such as cancelling someone else's task): " + response);
  }

  static Stream<Class<?>> mutations() {
    return Commands.mutations().stream();
  }

  @Test
  void trustOneReadsAndTrustZeroDoesNot() {
    String reader = service.agent("reader", "claude_code", 1);
    String suspended = service.agent("suspended", "claude_code", 0);
    Http.Response read = http.get("/v1/locks?key=" + KEY, reader);
    assertEquals(200, read.status(), read::toString);
    assertEquals("holder", read.json().getJsonArray("locks").getJsonObject(0).getString("holder"));
    assertEquals(200, http.post("/v1/locks/validate", reader, new JsonObject().put("key", KEY).put("fencing_token", token)).status());
    Http.Response denied = http.get("/v1/locks", suspended);
    assertEquals(403, denied.status(), denied::toString);
    assertEquals("POLICY_DENIED", denied.errorCode());
  }

  @Test
  void nothingInTheRequestRaisesTrustOrChangesIdentity() {
    String reader = service.agent("reader2", "claude_code", 1);
    List<Map<String, Object>> before = locks();
    Http.Response smuggled = http.post("/v1/locks/release", reader, new JsonObject().put("key", KEY).put("trust", 4));
    assertEquals(400, smuggled.status(), "ENF-2: a trust field is an unknown field");
    assertEquals("trust", smuggled.json().getJsonObject("error").getJsonObject("details").getString("field"));
    Http.Response impersonated = http.send("POST", "/v1/locks/release", reader, new JsonObject().put("key", KEY).encode(),
        "X-Agent-Id", "holder", "X-Agent-Trust", "4");
    assertEquals(403, impersonated.status(), "ENF-2: headers do not name the caller");
    Http.Response asHolder = http.post("/v1/locks/acquire", reader, new JsonObject().put("key", KEY).put("holder", "holder"));
    assertEquals(400, asHolder.status());
    assertEquals(before, locks());
  }

  /** Every task, with the counts of sessions, handoffs and memories and the latest heartbeat. */
  private static List<Map<String, Object>> state() {
    return service.database().query("SELECT t.*, (SELECT count(*) FROM sessions) AS sessions,"
        + " (SELECT count(*) FROM handoffs) AS handoffs, (SELECT count(*) FROM memories) AS memories,"
        + " (SELECT max(last_heartbeat) FROM sessions) AS last_heartbeat FROM tasks t ORDER BY seq");
  }

  private static List<Map<String, Object>> locks() {
    return service.database().query("SELECT * FROM locks ORDER BY key");
  }
}
