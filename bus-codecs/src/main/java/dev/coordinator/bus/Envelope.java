package dev.coordinator.bus;

/**
 * A command as an entry verticle sends it to the policy verticle: the caller is named only by
 * the agent id bound to its key; trust is looked up by the policy verticle, never carried here.
 *
 * @param sessionId the {@code Coordinator-Session} the caller works in, or null
 * @param requestId correlates logs, replies and audit rows
 * @param idempotencyKey the caller's {@code Idempotency-Key}, or null
 */
public record Envelope(String agentId, String sessionId, String requestId, String idempotencyKey,
                       Command command) implements BusMessage {
}
