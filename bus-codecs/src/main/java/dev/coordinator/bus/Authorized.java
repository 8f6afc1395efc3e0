package dev.coordinator.bus;

/**
 * A command the policy verticle let through, with the {@link Scope} it decided. {@code stamp} is
 * an object that only the policy verticle and the domain gate of this JVM hold; it is compared
 * by identity and never leaves the node, so nothing can forge an authorized command over the bus.
 */
public record Authorized(Envelope envelope, Principal principal, Decision decision, Object stamp, Scope scope)
    implements BusMessage {

  public Authorized(Envelope envelope, Principal principal, Decision decision, Object stamp) {
    this(envelope, principal, decision, stamp, Scope.OWN);
  }

  public Command command() {
    return envelope.command();
  }
}
