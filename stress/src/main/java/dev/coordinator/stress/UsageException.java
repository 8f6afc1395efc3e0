package dev.coordinator.stress;

/** A command line the harness cannot run (exit 2). */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
