package dev.coordinator.bus.audit;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Builds audit commands from query parameters or tool arguments. */
public final class AuditRequests {
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1_000;

  private AuditRequests() {
  }

  public static AuditCommand.Query query(String agent, String action, String since, String limit) {
    return new AuditCommand.Query(JsonArgs.queryText("agent", agent, 128), JsonArgs.queryText("action", action, 128),
        instant(since), JsonArgs.queryInt("limit", limit, 1, MAX_LIMIT, DEFAULT_LIMIT));
  }

  private static Instant instant(String since) {
    if (since == null) {
      return null;
    }
    try {
      return JsonArgs.inRange("since", Instant.parse(since));
    } catch (DateTimeParseException e) {
      throw CoordinatorException.invalid("since", "since must be an RFC 3339 UTC time such as 2026-01-31T12:00:00Z");
    }
  }
}
