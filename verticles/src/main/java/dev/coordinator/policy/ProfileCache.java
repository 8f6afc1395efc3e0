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

/**
 * Agent profiles by key hash and by id, cached on the policy verticle's event loop. The database
 * announces every change to the agents table (NOTIFY), which clears the cache; while that
 * notification channel is down nothing is cached, so a changed trust is never missed.
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
  private final Map<ByteBuffer, Principal> byKeyHash = new HashMap<>();
  private final Map<String, Principal> byId = new HashMap<>();
  private long generation;
  private boolean caching;

  ProfileCache(Pool pool) {
    this.pool = pool;
  }

  /** Called when the change channel (re)connects or drops. */
  void caching(boolean enabled) {
    caching = enabled;
    invalidate();
  }

  void invalidate() {
    generation++;
    byKeyHash.clear();
    byId.clear();
  }

  Future<Principal> byKeyHash(byte[] keyHash) {
    ByteBuffer cacheKey = ByteBuffer.wrap(keyHash);
    Principal cached = byKeyHash.get(cacheKey);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long asked = generation;
    return load(BY_KEY_HASH, Tuple.of(Buffer.buffer(keyHash)))
        .onSuccess(principal -> remember(asked, principal, cacheKey));
  }

  Future<Principal> byId(String id) {
    Principal cached = byId.get(id);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long asked = generation;
    return load(BY_ID, Tuple.of(id)).onSuccess(principal -> remember(asked, principal, null));
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
  private void remember(long asked, Principal principal, ByteBuffer keyHash) {
    if (principal == null || !caching || asked != generation) {
      return;
    }
    byId.put(principal.id(), principal);
    if (keyHash != null) {
      byKeyHash.put(keyHash, principal);
    }
  }
}
