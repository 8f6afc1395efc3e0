package dev.coordinator.cli;

/** A command that cannot do its work; the message is for the operator, the exit code for scripts. */
public final class CommandFailure extends RuntimeException {
  private final int exitCode;

  public CommandFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
