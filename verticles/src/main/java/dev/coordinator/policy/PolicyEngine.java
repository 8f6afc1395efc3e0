package dev.coordinator.policy;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;

/** Decides whether an agent, as its profile says, may run an action. Pure: no I/O. */
public interface PolicyEngine {
  String name();

  Decision decide(Principal principal, PolicyRequest request);
}
