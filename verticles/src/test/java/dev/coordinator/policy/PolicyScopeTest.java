package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POL-1, POL-2: whether a command may reach other agents' entries (read their audit rows, cancel
 * their tasks) is the policy's decision, stamped on the command by the gate; no domain compares
 * trust. So changing the policy set changes the scope.
 */
@Tag("POL-1")
@Tag("POL-2")
class PolicyScopeTest {
  @TempDir
  Path policyDir;

  @Test
  void aPolicyThatForbidsReadingOthersLimitsEvenAnAdminToItsOwnAuditRows() throws IOException {
    copyPolicies();
    Files.writeString(policyDir.resolve("no-audit-snooping.cedar"), """
        // Nobody reads other agents' audit entries.
        forbid (principal, action == Action::"query_audit", resource) when { context.reads_others };""");
    try (TestService service = TestService.start("--policy-dir", policyDir.toString())) {
      Http http = service.http();
      String root = service.agent("root", "operator", 4);
      String writer = service.agent("writer", "claude_code", 2);
      assertEquals(200, http.post("/v1/locks/acquire", writer, new JsonObject().put("key", "src/scope.py")).status());
      assertEquals(200, http.get("/v1/locks", root).status());
      assertEquals(Set.of("root"), agentsIn(http.get("/v1/audit?limit=1000", root)), "the policy, not trust 4, decides");
      assertEquals(403, http.get("/v1/audit?agent=writer", root).status());
    }
  }

  @Test
  void aPolicyThatLetsTrustTwoReadAndCancelForOthersWidensTheirScope() throws IOException {
    copyPolicies();
    Files.writeString(policyDir.resolve("read-others.cedar"),
        "permit (principal, action in Action::\"read\", resource) when { principal.trust >= 2 };");
    Files.writeString(policyDir.resolve("write-others.cedar"),
        "permit (principal, action in Action::\"write\", resource) when { principal.trust >= 2 };");
    try (TestService service = TestService.start("--policy-dir", policyDir.toString())) {
      Http http = service.http();
      String alice = service.agent("alice", "claude_code", 2);
      String bob = service.agent("bob", "claude_code", 2);
      String task = http.post("/v1/tasks", bob, new JsonObject().put("task_type", "scope").put("description", "d"))
          .json().getJsonObject("task").getString("id");
      assertTrue(agentsIn(http.get("/v1/audit?limit=1000", alice)).contains("bob"), "trust 2 reads others' rows now");
      Http.Response cancelled = http.post("/v1/tasks/" + task + "/cancel", alice, new JsonObject().put("reason", "scope"));
      assertEquals(200, cancelled.status(), cancelled::toString);
      assertEquals("cancelled", cancelled.json().getJsonObject("task").getString("status"));
    }
  }

  @Test
  void byDefaultTrustTwoSeesAndCancelsOnlyItsOwn() {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String alice = service.agent("alice", "claude_code", 2);
      String bob = service.agent("bob", "claude_code", 2);
      String root = service.agent("root", "operator", 3);
      String task = http.post("/v1/tasks", bob, new JsonObject().put("task_type", "scope").put("description", "d"))
          .json().getJsonObject("task").getString("id");
      assertEquals(200, http.get("/v1/locks", alice).status());
      assertEquals(Set.of("alice"), agentsIn(http.get("/v1/audit?limit=1000", alice)));
      assertEquals("POLICY_DENIED", http.post("/v1/tasks/" + task + "/cancel", alice,
          new JsonObject().put("reason", "scope")).errorCode());
      assertTrue(agentsIn(http.get("/v1/audit?limit=1000", root)).containsAll(Set.of("alice", "bob")));
      assertEquals(200, http.post("/v1/tasks/" + task + "/cancel", root, new JsonObject().put("reason", "scope")).status());
    }
  }

  private static Set<String> agentsIn(Http.Response audit) {
    assertEquals(200, audit.status(), audit::toString);
    return audit.json().getJsonArray("entries").stream().map(entry -> ((JsonObject) entry).getString("agent"))
        .collect(Collectors.toSet());
  }

  private void copyPolicies() throws IOException {
    try (Stream<Path> files = Files.list(PolicyExamplesTest.POLICIES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, policyDir.resolve(file.getFileName()));
      }
    }
  }
}
