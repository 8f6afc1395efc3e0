package dev.coordinator.policy;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import java.util.List;

/**
 * The authorization rules in code, the same as the default Cedar policy set (and its oracle in
 * the differential test): trust 0 is suspended; blocked actions and actions outside an allow list
 * are denied; otherwise read needs trust 1, write 2, admin 3 (and so does reaching another
 * agent's entries: reading its audit rows, cancelling its task). An action the service does not have is denied. Trust is the profile's, never
 * the request's.
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
  public Decision decide(Principal principal, PolicyRequest request) {
    String action = request.action();
    if (principal.trust() <= 0) {
      return deny("agent " + principal.id() + " is suspended (trust 0)", "suspended");
    }
    if (principal.blockedActions().contains(action)) {
      return deny(action + " is blocked for agent " + principal.id(), "blocked-action");
    }
    if (principal.restricted() && !principal.allowedActions().contains(action)) {
      return deny(action + " is not on the allow list of agent " + principal.id(), "not-allowed-action");
    }
    if (request.group().isEmpty()) {
      return deny("there is no action " + action, "unknown-action");
    }
    String group = request.group().get();
    boolean othersEntries = !group.equals(PolicyRequest.ADMIN) && request.readsOthers();
    boolean admin = group.equals(PolicyRequest.ADMIN) || othersEntries;
    int required = admin ? ADMIN : group.equals(PolicyRequest.WRITE) ? WRITE : READ;
    String rule = othersEntries ? group + "-others" : group;
    String reason = action + " needs trust " + required + ", agent " + principal.id() + " has " + principal.trust();
    return new Decision(principal.trust() >= required, false, reason, NAME, List.of(rule));
  }

  private static Decision deny(String reason, String rule) {
    return new Decision(false, false, reason, NAME, List.of(rule));
  }
}
