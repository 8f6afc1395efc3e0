package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.bus.Commands;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.ValidRequests;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ENF-1, POL-3: every entry point (REST, MCP Streamable HTTP, MCP WebSocket, the stdio bridge) × every mutation
 * (the inventory MutationInventoryTest holds to what really changes state) × every caller the gate
 * must refuse (trust 0, trust 1 (POL-2), trust 4 with the action on its profile's blocked list), with valid
 * arguments aimed at another agent's lock, tasks and session so the gate is what says no: the
 * answer is POLICY_DENIED, no table but the audit trail's changes, and exactly one audit row (ENF-5) is
 * written: (agent, action, deny, denied).
 */
@Tag("ENF-1")
@Tag("POL-3")
class EnforcementMatrixTest {
  private static final EnforcementMatrix.Expected GUARDRAIL_BLOCKED =
      new EnforcementMatrix.Expected("GUARDRAIL_BLOCKED", false, "deny", "blocked");
  private static final EnforcementMatrix.Expected DENIED = new EnforcementMatrix.Expected("POLICY_DENIED", false, "deny", "denied");
  /**
   * Below write trust an MCP connection has no coordinator session (registering one was denied when
   * it opened), so heartbeat, which keeps that session alive, is refused before the gate: audited too.
   */
  private static final EnforcementMatrix.Expected NO_SESSION =
      new EnforcementMatrix.Expected("VALIDATION_FAILED", false, "deny", "error");

  @RegisterExtension
  static final RunningService service = new RunningService();
  private static ValidRequests.Fixture fixture;

  @BeforeAll
  static void holder() {
    fixture = ValidRequests.fixture(service.http(), service.agent("holder", "claude_code", 2), "src/matrix.py");
  }

  @ParameterizedTest(name = "ENF-1 over {0}: trust 0, trust 1 and a blocked action change nothing")
  @EnumSource(EnforcementMatrix.Entry.class)
  void everyMutationIsRefusedToEveryCallerBelowIt(EnforcementMatrix.Entry entry) {
    EnforcementMatrix matrix = new EnforcementMatrix(service);
    boolean mcp = entry != EnforcementMatrix.Entry.REST;
    String prefix = entry.name().toLowerCase().replace('_', '-');
    List<String> failures = new ArrayList<>();
    String suspended = prefix + "-trust0";
    failures.addAll(matrix.run(entry, suspended, service.agent(suspended, "claude_code", 0), () -> fixture,
        action -> mcp && action.equals("heartbeat") ? NO_SESSION : DENIED));
    String reader = prefix + "-trust1";
    failures.addAll(matrix.run(entry, reader, service.agent(reader, "claude_code", 1), () -> fixture,
        action -> mcp && action.equals("heartbeat") ? NO_SESSION : DENIED));
    // An MCP connection registers its session when it opens; blocking that too would leave heartbeat nothing to reach.
    String blocked = prefix + "-blocked";
    String key = blocked(blocked, Commands.mutations().stream().map(type -> Commands.action(type).value())
        .filter(action -> !(mcp && action.equals("register_session"))).toList());
    failures.addAll(matrix.run(entry, blocked, key, () -> fixture, action -> DENIED));
    assertEquals(List.of(), failures);
  }

  @ParameterizedTest(name = "ENF-1, ENF-3 over {0}: a guardrail-blocked submit or completion changes nothing")
  @Tag("ENF-3")
  @EnumSource(EnforcementMatrix.Entry.class)
  void guardrailBlockedTextIsRefusedAtTheGate(EnforcementMatrix.Entry entry) {
    String writer = entry.name().toLowerCase().replace('_', '-') + "-guarded";
    List<String> failures = new EnforcementMatrix(service).run(entry, writer, service.agent(writer, "claude_code", 2),
        List.of(TaskCommand.Submit.class, TaskCommand.Complete.class),
        () -> fixture.withText("clean the workspace with rm -rf build/ before the run"), action -> GUARDRAIL_BLOCKED);
    assertEquals(List.of(), failures);
    assertEquals(List.of(List.of("submit_work", true), List.of("complete_work", true)),
        service.database().query("SELECT action, blocked FROM guardrail_violations WHERE agent = ? ORDER BY id", writer)
            .stream().map(row -> List.copyOf(row.values())).toList(), "ENF-4: each blocked match is a violation row");
  }

  /** A trust-4 agent (which may run every mutation) with {@code actions} on its profile's blocked list. */
  private static String blocked(String id, List<String> actions) {
    String key = service.agent(id, "operator", 4);
    service.database().execute("UPDATE agents SET blocked_actions = ARRAY[" + String.join(",",
        actions.stream().map(action -> "'" + action + "'").toList()) + "] WHERE id = '" + id + "'");
    return key;
  }
}
