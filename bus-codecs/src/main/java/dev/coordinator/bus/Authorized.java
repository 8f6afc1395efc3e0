package dev.coordinator.bus;

/**
 * A command the policy verticle let through. {@code stamp} is an object that only the policy
 * verticle and the domain gate of this JVM hold; it is compared by identity and never leaves
 * the node, so nothing can forge an authorized command over the bus.
 */
public record Authorized(Envelope envelope, Principal principal, Decision decision, Object stamp)
    implements BusMessage {

  public Command command() {
    return envelope.command();
  }
}
