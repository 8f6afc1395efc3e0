package dev.coordinator.policy;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.audit.AuditCommand;
import java.util.Optional;

/**
 * What an engine decides on: the action by name and its group ({@code read}, {@code write},
 * {@code admin}; empty for an action the service does not have), the kind and name of the
 * resource, and whether the command reads another agent's audit entries.
 */
public record PolicyRequest(String action, Optional<String> group, String resourceKind, String resource,
                            boolean readsOthers) {
  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String ADMIN = "admin";

  /** The request a command makes for its caller. */
  public static PolicyRequest of(Principal principal, Command command) {
    return new PolicyRequest(command.actionName(), Optional.of(group(Commands.action(command.getClass()))),
        Commands.kindOf(command.getClass()), command.resource(), readsOthers(principal, command));
  }

  /** A request for an action given by name (a dry run), which may not exist. */
  public static PolicyRequest named(String action, String resource) {
    Optional<Class<?>> type = Commands.byName(action);
    return new PolicyRequest(action, type.map(Commands::action).map(PolicyRequest::group),
        type.map(Commands::kindOf).orElse("unknown"), resource == null ? "*" : resource, false);
  }

  static String group(Action action) {
    return action.admin() ? ADMIN : action.mutates() ? WRITE : READ;
  }

  private static boolean readsOthers(Principal principal, Command command) {
    return command instanceof AuditCommand.Query query && query.agent() != null && !query.agent().equals(principal.id());
  }
}
