package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy endpoints, profiles with action lists, shadow mode (POL-3), reloading, and the native engine. */
class PolicyApiTest {
  @TempDir
  Path policyDir;

  private void copyPolicies() throws IOException {
    try (Stream<Path> files = Files.list(PolicyExamplesTest.POLICIES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, policyDir.resolve(file.getFileName()));
      }
    }
  }

  @Test
  void checkValidateAndProfileAnswerForTheCaller() {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String reader = service.agent("reader", "claude_code", 1);
      JsonObject check = http.post("/v1/policy/check", reader, new JsonObject().put("action", "acquire_lock")
          .put("resource", "src/a.py")).json();
      assertEquals(false, check.getBoolean("allowed"));
      assertEquals("cedar", check.getString("engine"));
      assertTrue(http.post("/v1/policy/check", reader, new JsonObject().put("action", "check_locks")).json().getBoolean("allowed"));
      assertFalse(http.post("/v1/policy/check", reader, new JsonObject().put("action", "no_such_action")).json().getBoolean("allowed"));
      assertEquals(0L, service.database().value("SELECT count(*) FROM locks"), "a dry run changes nothing");

      JsonObject profile = http.get("/v1/profile", reader).json();
      assertEquals(new JsonObject().put("id", "reader").put("type", "claude_code").put("trust", 1), profile.getJsonObject("agent"));
      List<String> allowed = profile.getJsonArray("allowed_actions").stream().map(String::valueOf).toList();
      assertTrue(allowed.contains("check_locks") && allowed.contains("recall"), allowed::toString);
      assertFalse(allowed.contains("acquire_lock") || allowed.contains("get_work") || allowed.contains("verify_audit"));

      String author = service.agent("author", "operator", 3);
      JsonObject valid = http.post("/v1/policy/validate", author, new JsonObject().put("policy_text",
          "permit (principal, action == Action::\"check_locks\", resource) when { principal.trust >= 1 };")).json();
      assertEquals(new JsonObject().put("valid", true).put("errors", new JsonArray()), valid);
      JsonObject typo = http.post("/v1/policy/validate", author, new JsonObject().put("policy_text",
          "permit (principal, action, resource) when { principal.trsut >= 1 };")).json();
      assertFalse(typo.getBoolean("valid"), "an attribute the schema lacks is an error: " + typo);
      assertFalse(typo.getJsonArray("errors").isEmpty());
      assertFalse(http.post("/v1/policy/validate", author, new JsonObject().put("policy_text", "permit (")).json().getBoolean("valid"));
    }
  }

  @Test
  void actionListsOfTheAgentAndItsTypeAreEnforced() {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String admin = service.agent("boss", "operator", 4);
      service.database().execute("UPDATE agents SET blocked_actions = '{acquire_lock}' WHERE id = 'boss'");
      String bot = service.agent("bot", "ci_bot", 4);
      service.database().execute("INSERT INTO agent_types (agent_type, allowed_actions) VALUES ('ci_bot', '{check_locks,submit_work}')");
      Http.Response blocked = http.post("/v1/locks/acquire", admin, new JsonObject().put("key", "src/a.py"));
      assertEquals(403, blocked.status(), "a blocked action is denied whatever the trust: " + blocked);
      assertTrue(blocked.json().getJsonObject("error").getJsonObject("details").getJsonArray("policies").contains("blocked-action"));
      assertEquals(403, http.post("/v1/locks/acquire", bot, new JsonObject().put("key", "src/a.py")).status(),
          "outside the type's allow list");
      assertEquals(201, http.post("/v1/tasks", bot, new JsonObject().put("task_type", "b").put("description", "d")).status());
      service.database().execute("UPDATE agents SET blocked_actions = '{}' WHERE id = 'boss'");
      Await.until("the unblocked action is allowed once the database's notification arrives",
          () -> http.post("/v1/locks/acquire", admin, new JsonObject().put("key", "src/a.py")).status() == 200);
    }
  }

  @Test
  void shadowModeAllowsAndAuditsWouldBeDenials() {
    try (TestService service = TestService.start("--enforcement", "shadow")) {
      Http http = service.http();
      String reader = service.agent("reader", "claude_code", 1);
      Http.Response acquired = http.post("/v1/locks/acquire", reader, new JsonObject().put("key", "src/shadow.py"));
      assertEquals(200, acquired.status(), "POL-3: nothing is denied in shadow mode: " + acquired);
      List<java.util.Map<String, Object>> rows = service.database().query(
          "SELECT decision, outcome, reason FROM audit_log WHERE agent = 'reader' AND action = 'acquire_lock'");
      assertEquals(1, rows.size());
      assertEquals("deny", rows.get(0).get("decision"), "POL-3, ENF-5: audited as the denial it would have been");
      assertEquals("ok", rows.get(0).get("outcome"));
      assertTrue(((String) rows.get(0).get("reason")).startsWith("shadow:"), rows.toString());
    }
  }

  @Test
  void aReloadTakesAValidSetAndRefusesAnInvalidOne() throws IOException {
    copyPolicies();
    try (TestService service = TestService.start("--policy-dir", policyDir.toString())) {
      Http http = service.http();
      String root = service.agent("root", "operator", 4);
      String writer = service.agent("writer", "claude_code", 2);
      assertEquals(200, http.post("/v1/locks/acquire", writer, new JsonObject().put("key", "src/r.py")).status());

      Files.writeString(policyDir.resolve("write.cedar"), "permit (principal, action in Action::\"write\", resource) when { principal.trust >= 3 };");
      JsonObject reloaded = http.post("/v1/policy/reload", root, new JsonObject()).json();
      assertTrue(reloaded.getBoolean("reloaded"), reloaded::encode);
      assertEquals(403, http.post("/v1/locks/acquire", writer, new JsonObject().put("key", "src/r2.py")).status(),
          "the stricter set is in force");

      Files.writeString(policyDir.resolve("write.cedar"), "permit (principal, action in Action::\"write\", resource) when { principal.trsut >= 1 };");
      Http.Response refused = http.post("/v1/policy/reload", root, new JsonObject());
      assertEquals(400, refused.status(), refused::toString);
      assertFalse(refused.json().getJsonObject("error").getJsonObject("details").getJsonArray("errors").isEmpty());
      assertEquals(403, http.post("/v1/locks/acquire", writer, new JsonObject().put("key", "src/r3.py")).status(),
          "the old set stays in force");
      assertEquals(2L, service.database().value("SELECT count(*) FROM audit_log WHERE action = 'reload_policies'"));
      assertEquals(403, http.post("/v1/policy/reload", writer, new JsonObject()).status(), "POL-2: reloading is admin");
    }
  }

  @Test
  void policiesSeeWhatTheCommandCarries() throws IOException {
    copyPolicies();
    Files.writeString(policyDir.resolve("long-locks.cedar"), """
        // Locks longer than an hour need admin trust.
        forbid (principal, action == Action::"acquire_lock", resource)
        when { context has ttl_seconds && context.ttl_seconds > 3600 && principal.trust < 3 };""");
    try (TestService service = TestService.start("--policy-dir", policyDir.toString())) {
      String writer = service.agent("writer", "claude_code", 2);
      Http.Response tooLong = service.http().post("/v1/locks/acquire", writer,
          new JsonObject().put("key", "src/long.py").put("ttl_seconds", 7200));
      assertEquals(403, tooLong.status(), tooLong::toString);
      assertTrue(tooLong.json().getJsonObject("error").getJsonObject("details").getJsonArray("policies").contains("long-locks"));
      assertEquals(200, service.http().post("/v1/locks/acquire", writer,
          new JsonObject().put("key", "src/long.py").put("ttl_seconds", 600)).status());
    }
  }

  @Test
  void theNativeEngineBehavesTheSame() {
    try (TestService service = TestService.start("--policy-engine", "native")) {
      Http http = service.http();
      String reader = service.agent("reader", "claude_code", 1);
      String writer = service.agent("writer", "claude_code", 2);
      Http.Response denied = http.post("/v1/locks/acquire", reader, new JsonObject().put("key", "src/n.py"));
      assertEquals(403, denied.status(), "POL-2: trust 1 reads only");
      assertEquals("native", denied.json().getJsonObject("error").getJsonObject("details").getString("engine"));
      assertEquals(200, http.post("/v1/locks/acquire", writer, new JsonObject().put("key", "src/n.py")).status());
      assertEquals(200, http.get("/v1/locks", reader).status());
      assertEquals("INVALID_STATE", http.post("/v1/policy/reload", service.agent("root", "operator", 4), new JsonObject()).errorCode());
    }
  }
}
