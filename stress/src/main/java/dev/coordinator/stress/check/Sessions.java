package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the history says about each session: when it may have ended (an end whose outcome is known
 * or not), when it was certainly ended, and the earliest a reap could have come. The service
 * reaps a session whose last heartbeat is older than the timeout, and a heartbeat the client saw
 * acknowledged touched it no earlier than the client sent it (less the clock uncertainty), so no
 * reap comes before {@code last acknowledged touch - uncertainty + timeout}.
 */
final class Sessions {
  private final Map<String, Instant> mayHaveEnded = new HashMap<>();
  private final Map<String, Instant> certainlyEnded = new HashMap<>();
  private final Map<String, Long> endOps = new HashMap<>();
  private final Map<String, Instant> lastTouch = new HashMap<>();
  private final Duration uncertainty;
  private final Duration timeout;

  Sessions(List<Operation> operations, CheckSettings settings) {
    this.uncertainty = settings.clockUncertainty();
    this.timeout = Duration.ofSeconds(settings.sessionTimeoutSeconds());
    for (Operation op : operations) {
      switch (op.op()) {
        case "open_session" -> {
          if (op.ok()) {
            touch(op.result().getJsonObject("session").getString("id"), op.invokedAt());
          }
        }
        case "heartbeat" -> {
          if (op.ok()) {
            touch(op.args().getString("session"), op.invokedAt());
          }
        }
        case "end_session" -> {
          String session = op.args().getString("session");
          if (op.ok() || op.unknown()) {
            mayHaveEnded.merge(session, op.invokedAt(), (a, b) -> a.isBefore(b) ? a : b);
            endOps.putIfAbsent(session, op.id());
          }
          if (op.ok()) {
            certainlyEnded.merge(session, op.completedAt(), (a, b) -> a.isBefore(b) ? a : b);
          }
        }
        default -> {
          // other operations do not end or certainly touch a session
        }
      }
    }
  }

  private void touch(String session, Instant at) {
    lastTouch.merge(session, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** Cuts a holding in {@code session} where the session may have ended (by an end or a reap). */
  void cut(Holding holding) {
    if (holding.session == null) {
      return;
    }
    Instant end = mayHaveEnded.get(holding.session);
    if (end != null) {
      holding.cut(end.minus(uncertainty));
    }
    Instant touched = lastTouch.get(holding.session);
    if (touched != null) {
      holding.cut(touched.minus(uncertainty).plus(timeout));
    }
  }

  /** When the client saw the session's end acknowledged, or null. */
  Instant certainlyEnded(String session) {
    return certainlyEnded.get(session);
  }

  Long endOp(String session) {
    return endOps.get(session);
  }
}
