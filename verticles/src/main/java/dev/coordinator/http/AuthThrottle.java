package dev.coordinator.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds API-key guessing per remote address (api.md §2): every unknown key spends a token of the
 * address's bucket ({@link #BURST} tokens, one back every {@link #REFILL_MS} ms). With none left a key
 * is refused at once, without a database lookup or an audit row, unless it authenticated recently:
 * agents that share an address with a guesser (everyone on loopback) keep working. One per service,
 * shared by its HTTP verticle instances.
 */
public final class AuthThrottle {
  static final int BURST = 20;
  static final long REFILL_MS = 1_000;
  private static final int MAX_ADDRESSES = 10_000;
  private static final int MAX_KNOWN_KEYS = 1_000;

  private record Bucket(double tokens, long atMs) {
  }

  private final Map<String, Bucket> buckets = leastRecentlyUsed(MAX_ADDRESSES);
  private final Map<String, Boolean> knownKeys = leastRecentlyUsed(MAX_KNOWN_KEYS);

  /** Seconds until a key from {@code address} is looked up again; 0: look it up now. */
  synchronized long retryAfterSeconds(String address, String keyDigest, long nowMs) {
    if (knownKeys.containsKey(keyDigest)) {
      return 0;
    }
    double tokens = tokens(address, nowMs);
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) * REFILL_MS / 1_000.0);
  }

  synchronized void failed(String address, long nowMs) {
    buckets.put(address, new Bucket(Math.max(0, tokens(address, nowMs) - 1), nowMs));
  }

  synchronized void succeeded(String keyDigest) {
    knownKeys.put(keyDigest, Boolean.TRUE);
  }

  private double tokens(String address, long nowMs) {
    Bucket bucket = buckets.get(address);
    return bucket == null ? BURST : Math.min(BURST, bucket.tokens() + (double) (nowMs - bucket.atMs()) / REFILL_MS);
  }

  private static <V> Map<String, V> leastRecentlyUsed(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > capacity;
      }
    };
  }
}
