package dev.coordinator.policy;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.task.TaskCommand;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an engine decides on: the action by name and its group ({@code read}, {@code write},
 * {@code admin}; empty for an action the service does not have), the kind and name of the
 * resource, and whether the command reaches another agent's entries (reads its audit rows,
 * cancels its task).
 */
public record PolicyRequest(String action, Optional<String> group, String resourceKind, String resource,
                            boolean readsOthers, Map<String, Long> numbers) {
  /** The numbers a command may carry that policies can weigh (see the schema's CommandContext). */
  public static final Set<String> NUMBERS = Set.of("ttl_seconds", "wait_ms", "priority", "max_attempts", "lease_seconds",
      "limit");

  public PolicyRequest {
    numbers = Map.copyOf(numbers);
  }

  public PolicyRequest(String action, Optional<String> group, String resourceKind, String resource, boolean readsOthers) {
    this(action, group, resourceKind, resource, readsOthers, Map.of());
  }

  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String ADMIN = "admin";

  /**
   * The request a command makes for its caller; {@code fields} are the command's as
   * {@link dev.coordinator.domain.CommandJson} gives them (the gate has them already: not built twice).
   */
  public static PolicyRequest of(Principal principal, Command command, JsonObject fields) {
    return new PolicyRequest(command.actionName(), Optional.of(group(Commands.action(command.getClass()))),
        Commands.kindOf(command.getClass()), command.resource(), readsOthers(principal, command), numbers(fields));
  }

  private static Map<String, Long> numbers(JsonObject fields) {
    Map<String, Long> numbers = new HashMap<>();
    fields.forEach(field -> {
      if (NUMBERS.contains(field.getKey()) && field.getValue() instanceof Number number) {
        numbers.put(field.getKey(), number.longValue());
      }
    });
    return numbers;
  }

  /** A request for an action given by name (a dry run), which may not exist. */
  public static PolicyRequest named(String action, String resource) {
    Optional<Class<?>> type = Commands.byName(action);
    return new PolicyRequest(action, type.map(Commands::action).map(PolicyRequest::group),
        type.map(Commands::kindOf).orElse("unknown"), resource == null ? "*" : resource, false);
  }

  /**
   * Commands whose reach the gate decides apart from whether they may run at all: an audit query
   * (anyone's rows, or one's own) and a cancellation (anyone's task, or one's own).
   */
  static boolean scoped(Command command) {
    return command instanceof AuditCommand.Query || command instanceof TaskCommand.Cancel;
  }

  /** The same request, reaching other agents' entries: asked to decide a command's scope. */
  PolicyRequest reachingOthers() {
    return new PolicyRequest(action, group, resourceKind, resource, true, numbers);
  }

  static String group(Action action) {
    return action.admin() ? ADMIN : action.mutates() ? WRITE : READ;
  }

  private static boolean readsOthers(Principal principal, Command command) {
    return command instanceof AuditCommand.Query query && query.agent() != null && !query.agent().equals(principal.id());
  }
}
