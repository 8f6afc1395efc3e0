package dev.coordinator.bus;

/** Asks who owns an API key; answered with a {@link Principal} or {@code UNAUTHENTICATED}. */
public record Authenticate(String apiKey) implements BusMessage {
  @Override
  public String toString() {
    return "Authenticate[apiKey=<redacted>]";
  }
}
