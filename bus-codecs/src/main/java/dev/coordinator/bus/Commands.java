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
    Class<?> family = FAMILIES.stream().filter(f -> f.isAssignableFrom(type)).findFirst()
        .orElseThrow(() -> new IllegalStateException(type + " is in no command family"));
    return KINDS.get(family);
  }

  private static final Map<Class<?>, String> KINDS = Map.of(LockCommand.class, "lock", TaskCommand.class, "task",
      SessionCommand.class, "session", HandoffCommand.class, "handoff", MemoryCommand.class, "memory",
      AuditCommand.class, "audit", PolicyCommand.class, "policy");

  /** The domain address that owns a command. */
  public static String addressOf(Command command) {
    if (command instanceof LockCommand) {
      return Addresses.LOCKS;
    }
    if (command instanceof TaskCommand) {
      return Addresses.TASKS;
    }
    if (command instanceof SessionCommand) {
      return Addresses.SESSIONS;
    }
    if (command instanceof HandoffCommand) {
      return Addresses.HANDOFFS;
    }
    if (command instanceof MemoryCommand) {
      return Addresses.MEMORIES;
    }
    if (command instanceof AuditCommand) {
      return Addresses.AUDIT;
    }
    if (command instanceof PolicyCommand) {
      return Addresses.POLICY_ADMIN;
    }
    throw new IllegalStateException("no domain address for " + command.getClass().getName());
  }
}
