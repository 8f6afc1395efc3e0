package dev.coordinator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sessions over HTTP: registration, heartbeats, ending, discovery, and who may use a session. */
class SessionApiTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
  }

  private static JsonObject register(String agent, JsonObject body) {
    Http.Response response = http.post("/v1/sessions", agent, body);
    assertEquals(201, response.status(), response::toString);
    return response.json().getJsonObject("session");
  }

  @Test
  void registerHeartbeatAndEnd() {
    JsonObject session = register(alice, new JsonObject().put("capabilities", new JsonArray().add("java").add("sql"))
        .put("current_task", "reading the code"));
    assertEquals("alice", session.getString("agent"));
    assertEquals("active", session.getString("status"));
    assertEquals(new JsonArray().add("java").add("sql"), session.getJsonArray("capabilities"));
    assertTrue(session.getString("started_at").endsWith("Z"), session.getString("started_at"));
    String id = session.getString("id");

    // The heartbeat below must be stamped later than the registration, by the database's clock.
    Await.until("the database's clock has moved on", () -> Boolean.TRUE.equals(
        service.database().value("SELECT now() > ?::timestamptz", session.getString("last_heartbeat"))));
    Http.Response beat = http.post("/v1/sessions/" + id + "/heartbeat", alice, new JsonObject().put("current_task", "writing tests"));
    assertEquals(200, beat.status(), beat::toString);
    JsonObject beaten = beat.json().getJsonObject("session");
    assertTrue(beaten.getString("last_heartbeat").compareTo(session.getString("last_heartbeat")) > 0);
    assertEquals("writing tests", beaten.getString("current_task"));

    assertEquals(404, http.post("/v1/sessions/" + id + "/heartbeat", bob, new JsonObject()).status(),
        "another agent's session is not found");
    assertEquals(404, http.send("DELETE", "/v1/sessions/" + id, bob, null).status());

    assertEquals(200, http.send("POST", "/v1/locks/acquire", alice, new JsonObject().put("key", "src/s.py").encode(),
        "Coordinator-Session", id).status());
    Http.Response ended = http.send("DELETE", "/v1/sessions/" + id, alice, null);
    assertEquals(200, ended.status(), ended::toString);
    assertEquals(new JsonObject().put("released_locks", 1).put("requeued_tasks", 0), ended.json(),
        "LOCK-4: ending the session released its lock");
    assertEquals("INVALID_STATE", http.post("/v1/sessions/" + id + "/heartbeat", alice, new JsonObject()).errorCode());
    assertEquals("INVALID_STATE", http.send("DELETE", "/v1/sessions/" + id, alice, null).errorCode());
  }

  @Test
  void theSessionHeaderMustNameTheCallersLiveSession() {
    String bobs = register(bob, new JsonObject()).getString("id");
    Http.Response foreign = http.send("POST", "/v1/locks/acquire", alice, new JsonObject().put("key", "src/x.py").encode(),
        "Coordinator-Session", bobs);
    assertEquals(400, foreign.status(), "ENF-2: alice cannot tie her lock to bob's session: " + foreign);
    Http.Response unknown = http.send("POST", "/v1/locks/acquire", alice, new JsonObject().put("key", "src/x.py").encode(),
        "Coordinator-Session", "00000000-0000-4000-8000-000000000000");
    assertEquals(400, unknown.status());
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = 'src/x.py'"));
  }

  @Test
  void discoverFindsAgentsByCapabilityAndPresence() {
    String carol = service.agent("carol", "cursor", 2);
    service.agent("dave", "cursor", 2);
    register(carol, new JsonObject().put("capabilities", new JsonArray().add("rust")));
    JsonArray rust = http.get("/v1/agents?capability=rust", alice).json().getJsonArray("agents");
    assertEquals(1, rust.size(), rust::encode);
    assertEquals("carol", rust.getJsonObject(0).getString("id"));
    assertEquals("active", rust.getJsonObject(0).getString("status"));
    assertNotNull(rust.getJsonObject(0).getString("session_id"));
    List<String> offline = http.get("/v1/agents?status=offline", alice).json().getJsonArray("agents").stream()
        .map(agent -> ((JsonObject) agent).getString("id")).toList();
    assertTrue(offline.contains("dave") && !offline.contains("carol"), offline::toString);
    assertEquals("VALIDATION_FAILED", http.get("/v1/agents?status=sleeping", alice).errorCode());
  }
}
