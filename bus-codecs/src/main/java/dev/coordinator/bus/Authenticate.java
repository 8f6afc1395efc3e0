package dev.coordinator.bus;

/**
 * Asks who owns an API key; answered with a {@link Principal} or {@code UNAUTHENTICATED}. The
 * remote address and request id go into the audit row of an unknown key.
 */
public record Authenticate(String apiKey, String remoteAddress, String requestId) implements BusMessage {
  @Override
  public String toString() {
    return "Authenticate[apiKey=<redacted>, remoteAddress=" + remoteAddress + ", requestId=" + requestId + "]";
  }
}
