package dev.coordinator.policy;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.audit.AuditCommand;
import java.util.List;

/**
 * Trust thresholds in code: 0 is suspended, 1 reads, 2 writes, 3 and up may run admin actions
 * (and read other agents' audit entries). The trust is the profile's, never the request's.
 */
public final class NativePolicyEngine implements PolicyEngine {
  public static final String NAME = "native";
  public static final int READ = 1;
  public static final int WRITE = 2;
  public static final int ADMIN = 3;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Decision decide(Principal principal, Command command) {
    String action = command.actionName();
    if (principal.trust() <= 0) {
      return decision(false, "agent " + principal.id() + " is suspended (trust 0)", "native.suspended");
    }
    int required = required(principal, command);
    String rule = required == ADMIN ? "native.admin" : required == WRITE ? "native.write" : "native.read";
    boolean allowed = principal.trust() >= required;
    return decision(allowed, action + " needs trust " + required + ", agent " + principal.id() + " has "
        + principal.trust(), rule);
  }

  static int required(Principal principal, Command command) {
    Action action = Commands.action(command.getClass());
    if (action.admin() || readsOthersAudit(principal, command)) {
      return ADMIN;
    }
    return action.mutates() ? WRITE : READ;
  }

  private static boolean readsOthersAudit(Principal principal, Command command) {
    return command instanceof AuditCommand.Query query && query.agent() != null && !query.agent().equals(principal.id());
  }

  private static Decision decision(boolean allowed, String reason, String policy) {
    return new Decision(allowed, false, reason, NAME, List.of(policy));
  }
}
