package dev.coordinator.policy;

import dev.coordinator.bus.Principal;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Agent profiles by key hash and by id, cached on the policy verticle's event loop. The database
 * announces every change to the agents table (NOTIFY), which clears the cache; while that
 * notification channel is not known to work ({@link dev.coordinator.db.ChangeChannel}) nothing is cached. A cached
 * profile is used for at most {@link #TTL_MS} after it was read, so even a change whose
 * notification never came (triggers bypassed, a channel failure not yet noticed) reaches the
 * gate within that bound.
 *
 * <p>Keys are never compared as text: the presented key is hashed and looked up by its hash, so
 * the time taken says nothing about any stored key.
 */
final class ProfileCache {
  /** The profile (the agent's row and its type's lists; an agent's allow list replaces its type's), completed by a condition. */
  private static final String PROFILE_TEMPLATE = """
      SELECT a.id, a.agent_type, a.trust, coalesce(a.allowed_actions, t.allowed_actions) AS allowed_actions,
        coalesce(a.allowed_actions, t.allowed_actions) IS NOT NULL AS restricted,
        ARRAY(SELECT DISTINCT unnest(a.blocked_actions || coalesce(t.blocked_actions, '{}'))) AS blocked_actions
      FROM agents a LEFT JOIN agent_types t ON t.agent_type = a.agent_type
      WHERE """;
  static final String BY_KEY_HASH = PROFILE_TEMPLATE + " a.key_hash = $1";
  static final String BY_ID = PROFILE_TEMPLATE + " a.id = $1";

  /** How long a cached profile may be used (docs/running.md): the bound on a missed change notification. */
  static final long TTL_MS = 5_000;

  private final Pool pool;
  private final Map<ByteBuffer, Cached> byKeyHash = new HashMap<>();
  private final Map<String, Cached> byId = new HashMap<>();
  private long generation;
  private boolean caching;
  private BooleanSupplier listening = () -> false;

  ProfileCache(Pool pool) {
    this.pool = pool;
  }

  /** A profile as read at {@code readAtNanos} (when its query was sent: it is at least that fresh). */
  private record Cached(Principal principal, long readAtNanos) {
    Principal fresh() {
      return System.nanoTime() - readAtNanos < TTL_MS * 1_000_000 ? principal : null;
    }
  }

  /**
   * Asked before every cached answer: false while the listening connection is down (reconnecting),
   * which turns caching off until the channel is proven again.
   */
  void listening(BooleanSupplier connected) {
    listening = connected;
  }

  /** Called when the change channel is proven to work, or may not. */
  void caching(boolean enabled) {
    caching = enabled;
    invalidate();
  }

  boolean caching() {
    return caching;
  }

  void invalidate() {
    generation++;
    byKeyHash.clear();
    byId.clear();
  }

  Future<Principal> byKeyHash(byte[] keyHash) {
    ByteBuffer cacheKey = ByteBuffer.wrap(keyHash);
    Principal cached = fresh(byKeyHash.get(cacheKey));
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long asked = generation;
    long askedAt = System.nanoTime();
    return load(BY_KEY_HASH, Tuple.of(Buffer.buffer(keyHash)))
        .onSuccess(principal -> remember(asked, askedAt, principal, cacheKey));
  }

  Future<Principal> byId(String id) {
    Principal cached = fresh(byId.get(id));
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long asked = generation;
    long askedAt = System.nanoTime();
    return load(BY_ID, Tuple.of(id)).onSuccess(principal -> remember(asked, askedAt, principal, null));
  }

  private Principal fresh(Cached cached) {
    if (caching && !listening.getAsBoolean()) {
      caching(false);
    }
    return cached == null || !caching ? null : cached.fresh();
  }

  private Future<Principal> load(String sql, Tuple args) {
    return pool.preparedQuery(sql).execute(args).map(rows -> {
      if (!rows.iterator().hasNext()) {
        return null;
      }
      Row row = rows.iterator().next();
      String[] allowed = row.getArrayOfStrings("allowed_actions");
      return new Principal(row.getString("id"), row.getString("agent_type"), row.getInteger("trust"),
          row.getBoolean("restricted"), allowed == null ? Set.of() : Set.of(allowed),
          Set.of(row.getArrayOfStrings("blocked_actions")));
    });
  }

  // A lookup that started before an invalidation may carry old data: it is answered, not kept.
  private void remember(long asked, long askedAt, Principal principal, ByteBuffer keyHash) {
    if (principal == null || !caching || asked != generation) {
      return;
    }
    Cached cached = new Cached(principal, askedAt);
    byId.put(principal.id(), cached);
    if (keyHash != null) {
      byKeyHash.put(keyHash, cached);
    }
  }
}
