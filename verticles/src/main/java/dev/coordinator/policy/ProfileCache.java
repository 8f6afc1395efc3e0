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

/**
 * Agent profiles by key hash and by id, cached on the policy verticle's event loop. The database
 * announces every change to the agents table (NOTIFY), which clears the cache; while that
 * notification channel is down nothing is cached, so a changed trust is never missed.
 *
 * <p>Keys are never compared as text: the presented key is hashed and looked up by its hash, so
 * the time taken says nothing about any stored key.
 */
final class ProfileCache {
  static final String BY_KEY_HASH = "SELECT id, agent_type, trust FROM agents WHERE key_hash = $1";
  static final String BY_ID = "SELECT id, agent_type, trust FROM agents WHERE id = $1";

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
      return new Principal(row.getString("id"), row.getString("agent_type"), row.getInteger("trust"));
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
