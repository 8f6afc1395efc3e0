package dev.coordinator.stress.check;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Something held for a while: a lock grant (one fencing token) or a task claim (one claim token),
 * as the history proves it. It starts at the server's timestamp ({@code acquired_at},
 * {@code claimed_at}) and is certainly still held until {@link #definiteEnd()}: the latest lease
 * end the server acknowledged, cut short by anything that may have ended it earlier (a release,
 * completion, session end whose outcome is known or unknown, the earliest moment a reap could
 * come). Two holdings of one thing overlap for certain only when one starts before the other's
 * definite end.
 */
final class Holding {
  final String thing;
  final String token;
  final String agent;
  final String session;
  final Instant start;
  final long opId;
  Instant leaseEnd;
  Instant definiteEnd;
  /** When the holder first learnt of it (client clock): the earliest its token could be compared to another. */
  Instant knownAt;

  Holding(String thing, String token, String agent, String session, Instant start, Instant leaseEnd, long opId, Instant knownAt) {
    this.thing = thing;
    this.token = token;
    this.agent = agent;
    this.session = session;
    this.start = start;
    this.leaseEnd = leaseEnd;
    this.definiteEnd = leaseEnd;
    this.opId = opId;
    this.knownAt = knownAt;
  }

  /** The server acknowledged a lease end (a renew, a refresh): the holding lasts at least that long. */
  void extend(Instant end, Instant seenAt) {
    if (end.isAfter(leaseEnd)) {
      if (definiteEnd.equals(leaseEnd)) {
        definiteEnd = end;
      }
      leaseEnd = end;
    }
    if (seenAt.isBefore(knownAt)) {
      knownAt = seenAt;
    }
  }

  /** Something may have ended it at {@code at} (or any time after): it is certain only until then, and never before it began. */
  void cut(Instant at) {
    Instant bound = at.isBefore(start) ? start : at;
    if (bound.isBefore(definiteEnd)) {
      definiteEnd = bound;
    }
  }

  boolean sameHolder(Holding other) {
    return agent.equals(other.agent) && Objects.equals(session, other.session);
  }

  /** A pair of holdings of one thing that certainly overlapped. */
  record Overlap(Holding earlier, Holding later) {
  }

  /** Every later holding that starts before the definite end of the longest-lasting earlier one (sorted sweep). */
  static List<Overlap> overlaps(List<Holding> holdings) {
    List<Holding> sorted = new ArrayList<>(holdings);
    sorted.sort(Comparator.comparing((Holding h) -> h.start).thenComparing(h -> h.opId));
    List<Overlap> overlaps = new ArrayList<>();
    Holding longest = null;
    for (Holding holding : sorted) {
      if (longest != null && holding.start.isBefore(longest.definiteEnd)) {
        overlaps.add(new Overlap(longest, holding));
      }
      if (longest == null || holding.definiteEnd.isAfter(longest.definiteEnd)) {
        longest = holding;
      }
    }
    return overlaps;
  }

  @Override
  public String toString() {
    return thing + " token " + token + " held by " + agent + "/" + session + " from " + start + " certainly until "
        + definiteEnd + " (lease " + leaseEnd + ", op #" + opId + ")";
  }
}
