package dev.coordinator.bus;

import java.util.List;

/**
 * A policy engine's answer. In shadow mode a would-be denial is {@code allowed} with
 * {@code shadowDenied} set, so it is recorded as the denial it would have been.
 */
public record Decision(boolean allowed, boolean shadowDenied, String reason, String engine, List<String> policies) {
  public Decision {
    policies = List.copyOf(policies);
  }

  /** What the audit trail records as the decision. */
  public String auditDecision() {
    return allowed && !shadowDenied ? "allow" : "deny";
  }
}
