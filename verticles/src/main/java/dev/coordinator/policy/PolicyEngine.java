package dev.coordinator.policy;

import dev.coordinator.bus.Command;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;

/** Decides whether an agent, as its profile says, may run a command. Pure: no I/O. */
public interface PolicyEngine {
  String name();

  Decision decide(Principal principal, Command command);
}
