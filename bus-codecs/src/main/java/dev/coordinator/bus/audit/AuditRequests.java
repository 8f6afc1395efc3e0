package dev.coordinator.bus.audit;

import dev.coordinator.bus.CoordinatorException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Builds audit commands from query parameters or tool arguments. */
public final class AuditRequests {
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1_000;

  private AuditRequests() {
  }

  public static AuditCommand.Query query(String agent, String action, String since, String limit) {
    return new AuditCommand.Query(bounded("agent", agent), bounded("action", action), instant(since), limit(limit));
  }

  private static String bounded(String field, String value) {
    if (value != null && (value.isEmpty() || value.length() > 128)) {
      throw CoordinatorException.invalid(field, field + " must have 1 to 128 characters");
    }
    return value;
  }

  private static Instant instant(String since) {
    if (since == null) {
      return null;
    }
    try {
      return Instant.parse(since);
    } catch (DateTimeParseException e) {
      throw CoordinatorException.invalid("since", "since must be an RFC 3339 UTC time such as 2026-01-31T12:00:00Z");
    }
  }

  private static int limit(String limit) {
    if (limit == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int value = Integer.parseInt(limit);
      if (value >= 1 && value <= MAX_LIMIT) {
        return value;
      }
    } catch (NumberFormatException e) {
      // falls through to the validation error below
    }
    throw CoordinatorException.invalid("limit", "limit must be a whole number from 1 to " + MAX_LIMIT);
  }
}
