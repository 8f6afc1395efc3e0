package dev.coordinator.cli;

/** Exit codes of {@code bin/coordinator} (README, docs/running.md), the same for every command. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The command failed, or ran and found something wrong: a broken audit chain, a degraded service. */
  public static final int FAILED = 1;
  /** Bad flags or settings, or no service to talk to. */
  public static final int USAGE = 2;
  /** The service refused the key (unknown key, or too little trust for the command). */
  public static final int REFUSED = 3;

  private ExitCodes() {
  }
}
