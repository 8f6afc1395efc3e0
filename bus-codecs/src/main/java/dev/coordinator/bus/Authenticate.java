package dev.coordinator.bus;

/**
 * Asks who owns an API key, given as its SHA-256 in base64 (the entry point hashes the key once,
 * for its throttle and for this lookup, so the key itself never travels on the bus); answered
 * with a {@link Principal} or {@code UNAUTHENTICATED}. The remote address and request id go into
 * the audit row of an unknown key.
 */
public record Authenticate(String keyDigest, String remoteAddress, String requestId) implements BusMessage {
  @Override
  public String toString() {
    return "Authenticate[keyDigest=<redacted>, remoteAddress=" + remoteAddress + ", requestId=" + requestId + "]";
  }
}
