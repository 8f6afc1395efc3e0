package dev.coordinator.config;

/** A setting that cannot be used; the message is written for the operator. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
