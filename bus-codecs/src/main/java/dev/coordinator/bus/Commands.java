package dev.coordinator.bus;

import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskCommand;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The command families and what can be derived from them. */
public final class Commands {

  /** Every sealed command family; each maps to one domain address. */
  public static final List<Class<? extends Command>> FAMILIES = List.of(LockCommand.class, TaskCommand.class,
      SessionCommand.class, HandoffCommand.class, MemoryCommand.class, AuditCommand.class, PolicyCommand.class);

  private Commands() {
  }

  public static Action action(Class<?> type) {
    Action action = type.getAnnotation(Action.class);
    if (action == null) {
      throw new IllegalStateException(type.getName() + " has no @Action");
    }
    return action;
  }

  /** Every command record of every family. */
  public static List<Class<?>> all() {
    return FAMILIES.stream().flatMap(family -> Arrays.stream(family.getPermittedSubclasses())).toList();
  }

  /** Every command record that changes state: the mutation inventory. */
  public static List<Class<?>> mutations() {
    return all().stream().filter(type -> action(type).mutates()).toList();
  }

  public static Stream<String> actionNames() {
    return all().stream().map(type -> action(type).value());
  }

  /** The command record of an action name, if the service has that action. */
  public static Optional<Class<?>> byName(String action) {
    return all().stream().filter(type -> action(type).value().equals(action)).findFirst();
  }

  /** What kind of thing a command is about, for policies: lock, task, session, handoff, memory, audit, policy. */
  public static String kindOf(Class<?> type) {
    return familyOf(type).kind();
  }

  /** The domain address that owns a command. */
  public static String addressOf(Command command) {
    return familyOf(command.getClass()).address();
  }

  private static Family familyOf(Class<?> type) {
    return FAMILIES.stream().filter(family -> family.isAssignableFrom(type)).findFirst().map(TABLE::get)
        .orElseThrow(() -> new IllegalStateException(type.getName() + " is in no command family"));
  }

  /** What each family is about, and where its commands go. */
  private record Family(String kind, String address) {
  }

  private static final Map<Class<?>, Family> TABLE = Map.of(
      LockCommand.class, new Family("lock", Addresses.LOCKS),
      TaskCommand.class, new Family("task", Addresses.TASKS),
      SessionCommand.class, new Family("session", Addresses.SESSIONS),
      HandoffCommand.class, new Family("handoff", Addresses.HANDOFFS),
      MemoryCommand.class, new Family("memory", Addresses.MEMORIES),
      AuditCommand.class, new Family("audit", Addresses.AUDIT),
      PolicyCommand.class, new Family("policy", Addresses.POLICY_ADMIN));
}
