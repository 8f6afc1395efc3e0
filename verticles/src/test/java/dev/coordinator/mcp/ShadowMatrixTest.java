package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.ValidRequests;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ENF-1 in shadow mode (POL-3): over every entry point (the stdio bridge too), every mutation by a trust-1 caller runs,
 * on a lock, tasks and session of its own, and its one audit row records the denial that
 * enforcement would have made (decision deny, outcome ok).
 */
@Tag("ENF-1")
@Tag("POL-3")
class ShadowMatrixTest {
  private static final EnforcementMatrix.Expected WOULD_DENY = new EnforcementMatrix.Expected(null, true, "deny", "ok");

  @RegisterExtension
  static final RunningService service = new RunningService("--enforcement", "shadow");

  @ParameterizedTest(name = "ENF-1 shadow over {0}: allowed, audited as a would-be denial")
  @EnumSource(EnforcementMatrix.Entry.class)
  void everyMutationRunsAndIsAuditedAsTheDenialItWouldBe(EnforcementMatrix.Entry entry) {
    String agent = entry.name().toLowerCase().replace('_', '-') + "-shadow";
    String key = service.agent(agent, "claude_code", 1);
    // Over MCP the lock the fixture takes must be in the connection's session (its oldest) to be released or renewed there.
    List<String> failures = new EnforcementMatrix(service).run(entry, agent, key,
        () -> ValidRequests.fixture(service.http(), key, "src/shadow-" + UUID.randomUUID() + ".py",
            entry == EnforcementMatrix.Entry.REST ? null : service.database().value("SELECT id::text FROM sessions"
                + " WHERE agent = ? AND status = 'active' ORDER BY started_at LIMIT 1", agent).toString()),
        action -> WOULD_DENY);
    assertEquals(List.of(), failures);
  }
}
