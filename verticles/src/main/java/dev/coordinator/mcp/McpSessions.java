package dev.coordinator.mcp;

import dev.coordinator.bus.lock.LockRequests;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An agent's MCP connections, kept in the database ({@code mcp_sessions}) so that any node serves
 * any Streamable HTTP session and the cap holds across the cluster. A session id is 128 random
 * bits, handed to the client and stored only as its SHA-256; it is bound to the agent whose key
 * opened it: it never authenticates anyone, and another agent presenting it finds nothing.
 *
 * <p>HARD-3: an agent holds at most {@code perAgent} MCP connections in the whole cluster,
 * Streamable HTTP sessions and WebSockets together (each a coordinator session); opens are
 * serialized per agent by a transaction-scoped advisory lock, so two nodes never both take the
 * last place. A connection not used for {@code idleMs} with nothing under way no longer counts
 * and is deleted by the sweep of any node, as is one whose coordinator session is found ended.
 *
 * <p>Nothing is cached: every request reads (and touches) its session's row, so a session ended
 * or deleted on one node is gone for every node at once. What stays on this node is only what
 * cannot leave it: the requests under way here (to cancel them), found by the session's hash.
 */
public final class McpSessions {
  /**
   * One Streamable HTTP session as a request found it: who opened it, the protocol version agreed
   * on, the coordinator session its locks and claims belong to (null below write trust), and
   * whether its coordinator session is due a heartbeat.
   */
  record Session(byte[] idHash, String agentId, String protocolVersion, String coordinatorSession,
                 boolean heartbeatDue, boolean ended) {
    String key() {
      return HexFormat.of().formatHex(idHash);
    }
  }

  /** A place under the cap, for a connection: its handle ({@code id}, null for a WebSocket) and row. */
  record Place(String id, byte[] idHash) {
  }

  /** A session a client ended: the coordinator session behind it (null if none) is to end too. */
  record Closed(String coordinatorSession) {
  }

  /** A request under way on this node: the coordinator session it runs in and the request id its command carries. */
  record InFlight(String agentId, String coordinatorSession, String requestId) {
  }

  /** The advisory-lock key space of MCP opens (the first of the two-int key); the second is the agent's hash. */
  static final int KEY_SPACE = 0x4d435053;
  /** The channel on which a node asks the others to cancel a request it does not run itself. */
  public static final String CANCEL_CHANNEL = "coordinator_mcp_cancel";
  /** Used within the idle time, or waiting; never null (the sweep deletes what is NOT live). */
  private static final String LIVE =
      "(m.last_used_at > now() - $%d::bigint * interval '1 millisecond' OR coalesce(m.busy_until > now(), false))";
  static final String SERIALIZE = "SELECT pg_advisory_xact_lock($1, hashtext($2::text))";
  static final String OPEN = ("""
      INSERT INTO mcp_sessions (id_hash, agent, kind, protocol_version)
      SELECT $1, $2::text, $3::text, $4::text
      WHERE (SELECT count(*) FROM mcp_sessions m WHERE m.agent = $2::text AND %s) < $5::integer""")
      .formatted(LIVE.formatted(6));
  static final String BIND = "UPDATE mcp_sessions SET coordinator_session = $2::uuid WHERE id_hash = $1";
  /** Finds a session and counts the request as using it (until its wait can end, if it may wait). */
  static final String FIND = ("""
      UPDATE mcp_sessions m SET last_used_at = now(),
        busy_until = CASE WHEN $3::bigint > 0 THEN greatest(m.busy_until, now() + $3::bigint * interval '1 millisecond')
          ELSE m.busy_until END
      WHERE m.id_hash = $1 AND m.agent = $2::text AND m.kind = 'http' AND %s
      RETURNING m.protocol_version, m.coordinator_session::text AS coordinator_session,
        m.heartbeat_at <= now() - $5::bigint * interval '1 millisecond' AS heartbeat_due,
        coalesce((SELECT s.status <> 'active' FROM sessions s WHERE s.id = m.coordinator_session), false) AS ended""")
      .formatted(LIVE.formatted(4));
  static final String HEARTBEATEN = "UPDATE mcp_sessions SET heartbeat_at = now() WHERE id_hash = $1";
  static final String TOUCH = "UPDATE mcp_sessions SET last_used_at = now() WHERE id_hash = $1";
  static final String FORGET = "DELETE FROM mcp_sessions WHERE id_hash = $1";
  static final String CLOSE = ("""
      DELETE FROM mcp_sessions m WHERE m.id_hash = $1 AND m.agent = $2::text AND m.kind = 'http' AND %s
      RETURNING m.coordinator_session::text AS coordinator_session""").formatted(LIVE.formatted(3));
  /** Deletes a batch of connections idle too long (rows locked elsewhere are left for a later sweep); counts the open sessions. */
  static final String EXPIRE = ("""
      WITH expired AS (
        DELETE FROM mcp_sessions WHERE id_hash IN (
          SELECT m.id_hash FROM mcp_sessions m WHERE NOT %s ORDER BY m.last_used_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
        RETURNING 1)
      SELECT (SELECT count(*) FROM expired) AS expired,
        (SELECT count(*) FROM mcp_sessions m WHERE m.kind = 'http' AND %s) AS open""")
      .formatted(LIVE.formatted(1), LIVE.formatted(1));
  static final String ANNOUNCE_CANCEL = "SELECT pg_notify($1, $2)";

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Pool pool;
  private final int perAgent;
  private final long idleMs;
  /** Requests under way on this node, by session (its hash, hex) and JSON-RPC id. */
  private final Map<String, Map<Object, InFlight>> inFlight = new ConcurrentHashMap<>();
  /** Open Streamable HTTP sessions in the cluster, as of this node's last sweep and its opens since. */
  private final AtomicLong open = new AtomicLong();

  public McpSessions(Pool pool, int perAgent, long idleMs) {
    this.pool = pool;
    this.perAgent = perAgent;
    this.idleMs = idleMs;
  }

  int perAgent() {
    return perAgent;
  }

  /**
   * Takes one of {@code agentId}'s places for a Streamable HTTP session ({@code protocolVersion}
   * agreed on) or, with a null version, a WebSocket; empty when all are taken. The place of a
   * session is its session; a WebSocket gives its place back with {@link #forget}.
   */
  Future<Optional<Place>> reserve(String agentId, String protocolVersion) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    String id = HexFormat.of().formatHex(bytes);
    byte[] idHash = hash(id);
    String kind = protocolVersion == null ? "websocket" : "http";
    return pool.withTransaction(connection -> connection.preparedQuery(SERIALIZE).execute(Tuple.of(KEY_SPACE, agentId))
        .compose(locked -> connection.preparedQuery(OPEN)
            .execute(Tuple.of(Buffer.buffer(idHash), agentId, kind, protocolVersion, perAgent, idleMs))))
        .map(inserted -> {
          if (inserted.rowCount() == 0) {
            return Optional.empty();
          }
          if (protocolVersion != null) {
            open.incrementAndGet();
          }
          return Optional.of(new Place(protocolVersion == null ? null : id, idHash));
        });
  }

  /** Ties a session's place to the coordinator session opened for it. */
  Future<Void> bind(Place place, String coordinatorSession) {
    return coordinatorSession == null ? Future.succeededFuture()
        : pool.preparedQuery(BIND).execute(Tuple.of(Buffer.buffer(place.idHash()), coordinatorSession)).mapEmpty();
  }

  /**
   * The session, if it exists, is live and belongs to {@code agentId}; finding it counts as using
   * it, for as long as {@code waitMs} (the longest wait of what the request asks) besides.
   * {@code heartbeatEveryMs}: how old a heartbeat may be before the next is due.
   */
  Future<Optional<Session>> find(String id, String agentId, long waitMs, long heartbeatEveryMs) {
    byte[] idHash = hash(id);
    return pool.preparedQuery(FIND)
        .execute(Tuple.of(Buffer.buffer(idHash), agentId, Math.max(0, waitMs), idleMs, heartbeatEveryMs))
        .map(rows -> {
          if (!rows.iterator().hasNext()) {
            return Optional.empty();
          }
          Row row = rows.iterator().next();
          return Optional.of(new Session(idHash, agentId, row.getString("protocol_version"),
              row.getString("coordinator_session"), row.getBoolean("heartbeat_due"), row.getBoolean("ended")));
        });
  }

  /** The coordinator session behind {@code session} was just heartbeated. */
  void heartbeaten(Session session) {
    pool.preparedQuery(HEARTBEATEN).execute(Tuple.of(Buffer.buffer(session.idHash())));
  }

  /** A WebSocket still lives: its place stays taken. */
  void touch(Place place) {
    pool.preparedQuery(TOUCH).execute(Tuple.of(Buffer.buffer(place.idHash())));
  }

  /** Deletes the connection's row (its coordinator session is gone, or its socket closed), on every node. */
  Future<Void> forget(byte[] idHash) {
    return pool.preparedQuery(FORGET).execute(Tuple.of(Buffer.buffer(idHash))).mapEmpty();
  }

  /**
   * Ends the session if it is live and belongs to {@code agentId}; empty if there was no such
   * session.
   */
  Future<Optional<Closed>> close(String id, String agentId) {
    return pool.preparedQuery(CLOSE).execute(Tuple.of(Buffer.buffer(hash(id)), agentId, idleMs)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        return Optional.empty();
      }
      open.decrementAndGet();
      return Optional.of(new Closed(rows.iterator().next().getString("coordinator_session")));
    });
  }

  /** Open Streamable HTTP sessions in the cluster, as of this node's last sweep (and opens since). */
  public long size() {
    return open.get();
  }

  /**
   * Deletes the connections idle for longer than the idle time with nothing under way (their
   * coordinator sessions, no longer heartbeated, are reaped by then), and those of a node that
   * died (no longer touched); returns how many. Every node sweeps; they never wait for each other.
   */
  public Future<Integer> expire() {
    return pool.preparedQuery(EXPIRE).execute(Tuple.of(idleMs)).map(rows -> {
      Row row = rows.iterator().next();
      open.set(row.getLong("open"));
      return row.getLong("expired").intValue();
    });
  }

  /** A request of {@code session} runs on this node (until {@link #finished}). */
  void started(Session session, Object jsonRpcId, String requestId) {
    inFlight.computeIfAbsent(session.key(), key -> new ConcurrentHashMap<>())
        .put(jsonRpcId, new InFlight(session.agentId(), session.coordinatorSession(), requestId));
  }

  void finished(Session session, Object jsonRpcId, String requestId) {
    inFlight.computeIfPresent(session.key(), (key, requests) -> {
      requests.computeIfPresent(jsonRpcId, (id, request) -> request.requestId().equals(requestId) ? null : request);
      return requests.isEmpty() ? null : requests;
    });
  }

  /** Takes the request {@code jsonRpcId} of the session {@code sessionKey} if it runs on this node. */
  Optional<InFlight> takeInFlight(String sessionKey, Object jsonRpcId) {
    InFlight[] taken = {null};
    inFlight.computeIfPresent(sessionKey, (key, requests) -> {
      taken[0] = requests.remove(jsonRpcId);
      return requests.isEmpty() ? null : requests;
    });
    return Optional.ofNullable(taken[0]);
  }

  /**
   * Asks every node to cancel the request {@code jsonRpcId} of {@code session}: the node it runs
   * on takes it ({@link #takeInFlight}) when the notification reaches it. Best effort, as MCP
   * cancellation is: a notification lost to a listening connection being replaced is not resent.
   */
  void announceCancel(Session session, Object jsonRpcId) {
    String payload = new JsonObject().put("session", session.key()).put("request", jsonRpcId).encode();
    pool.preparedQuery(ANNOUNCE_CANCEL).execute(Tuple.of(CANCEL_CHANNEL, payload));
  }

  /** The longest wait ({@code wait_ms}) a tool call asks for, 0 for anything else. */
  static long waitOf(JsonObject message) {
    JsonObject params = message.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    JsonObject arguments = params.getValue("arguments") instanceof JsonObject object ? object : new JsonObject();
    return "tools/call".equals(message.getString("method")) && arguments.getValue("wait_ms") instanceof Number wait
        ? Math.min(Math.max(0, wait.longValue()), LockRequests.MAX_WAIT_MS) : 0;
  }

  static byte[] hash(String id) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
