package dev.coordinator.domain;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.Reply;

/** The answer to a request bound (by its {@code Coordinator-Session} header) to a session that has ended. */
public final class SessionEnded {
  private SessionEnded() {
  }

  public static Reply.Failure refusal(String sessionId) {
    return CoordinatorException.invalid("Coordinator-Session", "session " + sessionId + " has ended; start a new one")
        .failure();
  }
}
