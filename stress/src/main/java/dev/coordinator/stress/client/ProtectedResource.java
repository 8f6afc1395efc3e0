package dev.coordinator.stress.client;

import java.util.HashMap;
import java.util.Map;

/**
 * The thing a lock protects (a file, a row elsewhere), simulated: per key, it accepts a write only
 * with a fencing token at least the highest it has seen, which is what fencing tokens are for.
 * Each accepted write gets the next number of the resource's own order, so the checker knows in
 * which order the resource took them.
 */
public final class ProtectedResource {
  private final Map<String, Long> highest = new HashMap<>();
  private long accepted;

  /** The resource's verdict on one write. {@code sequence} is its place in the acceptance order, 0 when refused. */
  public record Verdict(boolean accepted, long sequence, long highest) {
  }

  public synchronized Verdict write(String key, long token) {
    long seen = highest.getOrDefault(key, Long.MIN_VALUE);
    if (token < seen) {
      return new Verdict(false, 0, seen);
    }
    highest.put(key, token);
    return new Verdict(true, ++accepted, token);
  }
}
