package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Principal;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HARD-1, POL-1, POL-2: Cedar text an agent or a policy folder supplies is bounded before the
 * native library sees it. Unbounded, a policy nested ~70 levels deep (35 on the 512 KiB stacks
 * bin/coordinator gives its threads) ends the JVM with SIGSEGV inside Cedar's parser; so on the
 * unfixed code this test does not fail, it kills its own JVM. Depths and chain lengths below
 * were measured in child JVMs (see CedarTextBounds).
 */
@Tag("HARD-1")
class CedarInputBoundsTest {
  private static final String OPEN = "permit (principal, action, resource) when { ";
  private static final String CLOSE = " };";

  @TempDir
  Path policyDir;

  /** Payloads that crashed the process, or would on a smaller stack, each with a name. */
  static Map<String, String> crashing() {
    Map<String, String> payloads = new LinkedHashMap<>();
    for (int depth : List.of(35, 100, 1_000)) {
      payloads.put("parentheses " + depth, OPEN + "(".repeat(depth) + "true" + ")".repeat(depth) + CLOSE);
    }
    payloads.put("sets 100", OPEN + "[".repeat(100) + "]".repeat(100) + " == []" + CLOSE);
    payloads.put("records 100", OPEN + "{a: ".repeat(100) + "1" + "}".repeat(100) + " == {}" + CLOSE);
    payloads.put("if 600", OPEN + "if true then ".repeat(600) + "true" + " else true".repeat(600) + CLOSE);
    payloads.put("+ chain 12000", OPEN + "1" + " + 1".repeat(12_000) + " == 1" + CLOSE);
    payloads.put("+ chain 20000", OPEN + "1" + " + 1".repeat(20_000) + " == 1" + CLOSE);
    payloads.put("parentheses in a comment-free 2nd policy", "permit (principal, action, resource);\n"
        + OPEN + "(".repeat(200) + "true" + ")".repeat(200) + CLOSE);
    return payloads;
  }

  @Test
  void validateRefusesTextThatWouldCrashCedarAndTheServiceStillAnswers() {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String admin = service.agent("author", "operator", 3);
      crashing().forEach((name, text) -> {
        Http.Response answer = http.post("/v1/policy/validate", admin, new JsonObject().put("policy_text", text));
        assertEquals(200, answer.status(), name + ": " + answer);
        JsonObject body = answer.json();
        assertFalse(body.getBoolean("valid"), name + ": " + body);
        assertTrue(body.getJsonArray("errors").getString(0).startsWith("not accepted: "), name + ": " + body);
        assertEquals(200, http.get("/health", null).status(), "the service still answers after " + name);
      });
      JsonObject fine = http.post("/v1/policy/validate", admin, new JsonObject().put("policy_text",
          OPEN + "(((principal.trust >= 1) && (context.name == \"((((\")))" + CLOSE)).json();
      assertEquals(new JsonObject().put("valid", true).put("errors", new JsonArray()), fine, "brackets in strings do not count");
    }
  }

  @Test
  void validateIsForPolicyAuthorsOnly() {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      JsonObject text = new JsonObject().put("policy_text", "permit (principal, action, resource);");
      for (int trust : List.of(1, 2)) {
        Http.Response denied = http.post("/v1/policy/validate", service.agent("agent" + trust, "claude_code", trust), text);
        assertEquals(403, denied.status(), "trust " + trust + ": " + denied);
        assertEquals("POLICY_DENIED", denied.errorCode());
      }
      assertEquals(200, http.post("/v1/policy/validate", service.agent("author", "operator", 3), text).status());
    }
  }

  @Test
  void aReloadOfADeepPolicyIsRefusedAndTheOldSetStays() throws IOException {
    copyPolicies();
    try (TestService service = TestService.start("--policy-dir", policyDir.toString())) {
      Http http = service.http();
      String root = service.agent("root", "operator", 4);
      String writer = service.agent("writer", "claude_code", 2);
      Files.writeString(policyDir.resolve("deep.cedar"), crashing().get("parentheses 1000"));
      Http.Response refused = http.post("/v1/policy/reload", root, new JsonObject());
      assertEquals(400, refused.status(), refused::toString);
      assertEquals("VALIDATION_FAILED", refused.errorCode());
      String errors = refused.json().getJsonObject("error").getJsonObject("details").getJsonArray("errors").encode();
      assertTrue(errors.contains("deep: not accepted: nested more than"), errors);
      assertEquals(200, http.post("/v1/locks/acquire", writer, new JsonObject().put("key", "src/deep.py")).status(),
          "the old set stays in force");
    }
  }

  @Test
  void aPolicyFolderWithADeepPolicyOrSchemaDoesNotStart() throws IOException {
    copyPolicies();
    Files.writeString(policyDir.resolve("deep.cedar"), crashing().get("sets 100"));
    var refused = assertThrows(CedarPolicies.InvalidPolicies.class, () -> new CedarPolicyEngine(policyDir));
    assertTrue(refused.errors().get(0).startsWith("deep: not accepted: nested more than"), refused.errors().toString());

    Files.delete(policyDir.resolve("deep.cedar"));
    Files.writeString(policyDir.resolve("coordinator.cedarschema"), Files.readString(policyDir.resolve("coordinator.cedarschema"))
        + "\ntype Deep = " + "{a: ".repeat(100) + "Long" + "}".repeat(100) + ";\n");
    refused = assertThrows(CedarPolicies.InvalidPolicies.class, () -> new CedarPolicyEngine(policyDir));
    assertTrue(refused.errors().get(0).startsWith("the schema is not accepted: nested more than"), refused.errors().toString());
  }

  @Test
  void theBoundsCountWhatNestsAndNothingElse() {
    int inWhen = CedarTextBounds.MAX_DEPTH - 1;
    assertEquals(List.of(), CedarTextBounds.problems(OPEN + "(".repeat(inWhen) + "true" + ")".repeat(inWhen) + CLOSE),
        "the braces of when are the first level");
    assertFalse(CedarTextBounds.problems(OPEN + "(".repeat(inWhen + 1) + "true" + ")".repeat(inWhen + 1) + CLOSE).isEmpty());
    assertEquals(List.of(), CedarTextBounds.problems(OPEN + "\"" + "([{\\\"".repeat(1_000) + "\" == context.name" + CLOSE),
        "brackets and quotes inside a string literal");
    assertEquals(List.of(), CedarTextBounds.problems("// " + "(".repeat(1_000) + "\n" + OPEN + "true" + CLOSE),
        "brackets inside a comment");
    assertEquals(List.of(), CedarTextBounds.problems((OPEN + "(((true)))" + CLOSE + "\n").repeat(500)),
        "depth and tokens count per policy");
    assertFalse(CedarTextBounds.problems(OPEN + "if true then (if true then ".repeat(7) + "true" + CLOSE).isEmpty(),
        "ifs nest like brackets");
    assertFalse(CedarTextBounds.problems(OPEN + "(((true)" + CLOSE).isEmpty(), "unbalanced");
    assertFalse(CedarTextBounds.problems("permit(principal, action, resource);\n".repeat(2_000)).isEmpty(), "too long");
  }

  @Test
  void whatADecisionHandsCedarIsFlatWhateverTheRequestCarries() throws Exception {
    CedarPolicyEngine engine = new CedarPolicyEngine(null);
    String nested = "([{\"\\".repeat(250_000);
    Principal principal = new Principal("agent" + nested, "type" + nested, 2, true, Set.of(nested), Set.of(nested));
    var decision = engine.decide(principal, new PolicyRequest(nested, Optional.of(PolicyRequest.WRITE), "lock", nested, true,
        Map.of("ttl_seconds", Long.MAX_VALUE)));
    assertFalse(decision.allowed(), "an action outside the allow list");
    assertEquals("cedar", decision.engine());
  }

  private void copyPolicies() throws IOException {
    try (Stream<Path> files = Files.list(PolicyExamplesTest.POLICIES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, policyDir.resolve(file.getFileName()));
      }
    }
  }
}
