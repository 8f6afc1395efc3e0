package dev.coordinator.bus;

/**
 * A request refused before it became a command (unreadable input from an authenticated caller),
 * sent to the policy verticle so that the refusal is recorded like any other decision (HARD-2):
 * one audit row naming the caller and the action it attempted, then {@code failure} is answered.
 *
 * @param sessionId the caller's {@code Coordinator-Session} if it could be read, or null
 * @param action the action the request attempted, e.g. {@code acquire_lock}
 * @param resource what the request was about, if known, or null
 */
public record Refusal(String agentId, String sessionId, String requestId, String action, String resource,
                      Reply.Failure failure) implements BusMessage {

  /** A request refused before anything but its action was known. */
  public Refusal(String agentId, String sessionId, String requestId, String action, Reply.Failure failure) {
    this(agentId, sessionId, requestId, action, null, failure);
  }

  /** A command the gate refused. */
  public static Refusal of(Envelope envelope, Reply.Failure failure) {
    return new Refusal(envelope.agentId(), envelope.sessionId(), envelope.requestId(), envelope.command().actionName(),
        envelope.command().resource(), failure);
  }
}
