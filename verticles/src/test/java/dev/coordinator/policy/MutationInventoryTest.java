package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.http.PolicyClient;
import dev.coordinator.testing.RunningService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ENF-1, POL-2: which commands change state is observed, not read off the {@code @Action(mutates)}
 * flag. Every command of every family runs once, with valid arguments, for a caller allowed to run
 * it, and every table but the audit trail's is compared before and after; the commands that changed
 * something must be exactly the ones flagged as mutations, since the gate (which trust may write)
 * and the denial tests trust that flag. A command with no case here fails the test.
 */
@Tag("ENF-1")
@Tag("POL-2")
class MutationInventoryTest {
  /** What the audit trail itself writes on every decision: not the command's effect. */
  private static final String[] AUDIT_TABLES = {"audit_log", "audit_seals", "guardrail_violations"};
  private static final String AGENT = "inventory";

  /**
   * Mutations whose effect lives outside the tables, with the reason: the test cannot see them in
   * a snapshot, so they are listed, never guessed. Reloading re-reads the Cedar files into the engine.
   */
  private static final Map<Class<?>, String> OUTSIDE_THE_TABLES =
      Map.of(PolicyCommand.Reload.class, "replaces the engine's policy set in memory");

  @RegisterExtension
  static final RunningService service = new RunningService();

  /**
   * For each command: the setup it needs (run before the snapshot) and the command itself, with
   * valid arguments. Each case sets up its own state so the cases do not depend on their order.
   */
  private static Map<Class<?>, Supplier<Command>> cases() {
    return Map.ofEntries(
        Map.entry(LockCommand.Acquire.class, () -> new LockCommand.Acquire(key(), 60, "inventory", 0)),
        Map.entry(LockCommand.Release.class, () -> new LockCommand.Release(held(), null)),
        Map.entry(LockCommand.Renew.class, () -> {
          String key = held();
          return new LockCommand.Renew(key, token(key), 120);
        }),
        Map.entry(LockCommand.Check.class, () -> new LockCommand.Check(List.of(held()))),
        Map.entry(LockCommand.Validate.class, () -> {
          String key = held();
          return new LockCommand.Validate(key, token(key));
        }),
        Map.entry(LockCommand.CancelWait.class, () -> new LockCommand.CancelWait(UUID.randomUUID().toString())),
        Map.entry(TaskCommand.Submit.class, () -> submit("inventory-submit")),
        Map.entry(TaskCommand.Claim.class, () -> {
          run(submit("inventory-claim"));
          return new TaskCommand.Claim(List.of("inventory-claim"), 60, 0);
        }),
        Map.entry(TaskCommand.Renew.class, () -> {
          String task = claimed();
          return new TaskCommand.Renew(task, claimToken(task), 120);
        }),
        Map.entry(TaskCommand.Complete.class, () -> {
          String task = claimed();
          return new TaskCommand.Complete(task, claimToken(task), true, null, null);
        }),
        Map.entry(TaskCommand.Cancel.class, () -> new TaskCommand.Cancel(pending(), "no longer needed")),
        Map.entry(TaskCommand.Get.class, () -> new TaskCommand.Get(pending())),
        Map.entry(TaskCommand.ListTasks.class, () -> new TaskCommand.ListTasks(null, null, 10)),
        Map.entry(TaskCommand.CancelWait.class, () -> new TaskCommand.CancelWait(UUID.randomUUID().toString())),
        Map.entry(SessionCommand.Register.class, () -> new SessionCommand.Register(List.of("python"), "inventory")),
        Map.entry(SessionCommand.Heartbeat.class, () -> new SessionCommand.Heartbeat(session(), "still here", false)),
        Map.entry(SessionCommand.End.class, () -> new SessionCommand.End(session())),
        Map.entry(SessionCommand.Discover.class, () -> new SessionCommand.Discover(null, "active")),
        Map.entry(HandoffCommand.Write.class, () -> new HandoffCommand.Write("inventory handoff", List.of("a"), List.of(),
            List.of(), List.of("b"), List.of())),
        Map.entry(HandoffCommand.Read.class, () -> new HandoffCommand.Read(AGENT, 10)),
        Map.entry(MemoryCommand.Remember.class, () -> new MemoryCommand.Remember("inventory", "summary", null, null,
            List.of(), List.of("t"))),
        Map.entry(MemoryCommand.Recall.class, () -> new MemoryCommand.Recall(List.of(), "inventory", 10)),
        Map.entry(AuditCommand.Query.class, () -> new AuditCommand.Query(AGENT, null, null, 10)),
        Map.entry(AuditCommand.Verify.class, AuditCommand.Verify::new),
        Map.entry(PolicyCommand.Check.class, () -> new PolicyCommand.Check("acquire_lock", "src/x.py")),
        Map.entry(PolicyCommand.Validate.class, () -> new PolicyCommand.Validate("permit (principal, action, resource);")),
        Map.entry(PolicyCommand.Profile.class, PolicyCommand.Profile::new),
        Map.entry(PolicyCommand.Reload.class, PolicyCommand.Reload::new),
        Map.entry(PolicyCommand.CheckGuardrails.class, () -> new PolicyCommand.CheckGuardrails("ls -la", List.of())));
  }

  @Test
  void theCommandsThatChangeStateAreExactlyTheOnesFlaggedAsMutations() {
    service.agent(AGENT, "operator", 4);
    Map<Class<?>, Supplier<Command>> cases = cases();
    List<String> untried = new ArrayList<>();
    TreeSet<String> observed = new TreeSet<>();
    TreeSet<String> flagged = new TreeSet<>();
    for (Class<?> type : Commands.all()) {
      String action = Commands.action(type).value();
      if (Commands.action(type).mutates()) {
        flagged.add(action);
      }
      Supplier<Command> make = cases.get(type);
      if (make == null) {
        untried.add(type.getName());
        continue;
      }
      Command command = make.get();
      assertEquals(type, command.getClass(), "the case of " + action + " builds another command");
      Map<String, List<String>> before = service.database().snapshot(AUDIT_TABLES);
      run(command);
      if (!before.equals(service.database().snapshot(AUDIT_TABLES)) || OUTSIDE_THE_TABLES.containsKey(type)) {
        observed.add(action);
      }
    }
    assertEquals(List.of(), untried, "commands with no case in this test (add one with valid arguments)");
    assertEquals(flagged, observed,
        "the commands seen changing state (left: flagged mutates=true; right: observed) must agree");
  }

  /** Runs {@code command} through the gate as the inventory agent; it must succeed. */
  private static Reply run(Command command) {
    Envelope envelope = new Envelope(AGENT, null, "inventory-" + UUID.randomUUID(), null, command);
    try {
      Reply reply = PolicyClient.send(service.vertx().eventBus(), envelope)
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertInstanceOf(Reply.Success.class, reply, () -> command.actionName() + " with valid arguments failed: " + reply);
      return reply;
    } catch (Exception e) {
      throw new IllegalStateException(command.actionName(), e);
    }
  }

  private static String key() {
    return "src/inventory-" + UUID.randomUUID() + ".py";
  }

  /** A key the inventory agent holds a lock on. */
  private static String held() {
    String key = key();
    run(new LockCommand.Acquire(key, 60, "setup", 0));
    return key;
  }

  private static long token(String key) {
    return ((Number) service.database().value("SELECT fencing_token FROM locks WHERE key = ?", key)).longValue();
  }

  private static TaskCommand.Submit submit(String type) {
    return new TaskCommand.Submit(type, "inventory task", null, 5, List.of(), 3, null);
  }

  /** A pending task of a type of its own. */
  private static String pending() {
    String type = "inventory-" + UUID.randomUUID().toString().substring(0, 8);
    run(submit(type));
    return service.database().value("SELECT id::text FROM tasks WHERE task_type = ?", type).toString();
  }

  /** A task the inventory agent claimed. */
  private static String claimed() {
    String task = pending();
    String type = service.database().value("SELECT task_type FROM tasks WHERE id = ?::uuid", task).toString();
    run(new TaskCommand.Claim(List.of(type), 60, 0));
    return task;
  }

  private static String claimToken(String task) {
    return service.database().value("SELECT claim_token::text FROM tasks WHERE id = ?::uuid", task).toString();
  }

  /** A new active session of the inventory agent. */
  private static String session() {
    run(new SessionCommand.Register(List.of(), "setup"));
    return service.database().value("SELECT id::text FROM sessions WHERE agent = ? AND status = 'active'"
        + " ORDER BY started_at DESC LIMIT 1", AGENT).toString();
  }
}
