package dev.coordinator.mcp;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The MCP sessions of this node, shared by the HTTP verticle's instances. A session id is 128
 * random bits and is bound to the agent whose key opened it: it never authenticates anyone, and
 * another agent presenting it finds nothing.
 *
 * <p>HARD-3: an agent holds at most {@code perAgent} MCP connections on this node, Streamable
 * HTTP sessions and WebSockets together (each is a coordinator session in the database). A
 * Streamable HTTP session idle for {@code idleMs} (nothing under way) is forgotten, as is one
 * whose coordinator session is found ended.
 */
public final class McpSessions {
  /**
   * One session: who opened it, the protocol version agreed on, the coordinator session its
   * locks and claims belong to (null below write trust), its requests under way (JSON-RPC id
   * to the request id their command carries, so that they can be cancelled), when it was last
   * used and when its coordinator session was last heartbeated.
   */
  record Session(String id, String agentId, String protocolVersion, String coordinatorSession,
                 Map<Object, String> inFlight, AtomicLong lastUsed, AtomicLong lastHeartbeat) {
    Session(String id, String agentId, String protocolVersion, String coordinatorSession) {
      this(id, agentId, protocolVersion, coordinatorSession, new ConcurrentHashMap<>(),
          new AtomicLong(System.currentTimeMillis()), new AtomicLong(System.currentTimeMillis()));
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final int perAgent;
  private final long idleMs;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  /** Per agent: its Streamable HTTP sessions and WebSockets on this node, and places reserved for them. */
  private final Map<String, AtomicInteger> held = new ConcurrentHashMap<>();

  public McpSessions(int perAgent, long idleMs) {
    this.perAgent = perAgent;
    this.idleMs = idleMs;
  }

  int perAgent() {
    return perAgent;
  }

  /**
   * Takes one of {@code agentId}'s places for a connection (an HTTP session or a WebSocket), or
   * answers false when all are taken. Every true is matched by one {@link #release}.
   */
  boolean reserve(String agentId) {
    boolean[] taken = {false};
    held.compute(agentId, (agent, count) -> {
      AtomicInteger now = count == null ? new AtomicInteger() : count;
      if (now.get() < perAgent) {
        now.incrementAndGet();
        taken[0] = true;
      }
      return now;
    });
    return taken[0];
  }

  /** Gives back a place taken by {@link #reserve}. */
  void release(String agentId) {
    held.computeIfPresent(agentId, (agent, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  /** Opens a session in a place already reserved for {@code agentId}. */
  Session open(String agentId, String protocolVersion, String coordinatorSession) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    Session session = new Session(HexFormat.of().formatHex(bytes), agentId, protocolVersion, coordinatorSession);
    sessions.put(session.id(), session);
    return session;
  }

  /** The session, if it exists and belongs to {@code agentId}; finding it counts as using it. */
  Optional<Session> find(String id, String agentId) {
    Optional<Session> found = Optional.ofNullable(sessions.get(id)).filter(session -> session.agentId().equals(agentId));
    found.ifPresent(McpSessions::touch);
    return found;
  }

  static void touch(Session session) {
    session.lastUsed().set(System.currentTimeMillis());
  }

  /**
   * Whether a request on {@code session} should also heartbeat its coordinator session: when the
   * last successful heartbeat is {@code everyMs} old, so requests keep a session alive without a
   * write each, and the first request after a long silence learns whether the session survived.
   */
  static boolean heartbeatDue(Session session, long everyMs) {
    return System.currentTimeMillis() - session.lastHeartbeat().get() >= everyMs;
  }

  static void heartbeaten(Session session) {
    session.lastHeartbeat().set(System.currentTimeMillis());
  }

  public int size() {
    return sessions.size();
  }

  /** Removes and returns the session, if it belongs to {@code agentId}. */
  Optional<Session> close(String id, String agentId) {
    return Optional.ofNullable(sessions.get(id)).filter(session -> session.agentId().equals(agentId) && forget(session));
  }

  /** Removes the session (its coordinator session is gone); true if this call removed it. */
  boolean forget(Session session) {
    if (sessions.remove(session.id(), session)) {
      release(session.agentId());
      return true;
    }
    return false;
  }

  /**
   * Forgets the sessions idle for longer than the idle time with nothing under way (their
   * coordinator sessions, no longer heartbeated, are reaped by then); returns how many.
   */
  public int expire() {
    long now = System.currentTimeMillis();
    int expired = 0;
    for (Session session : sessions.values()) {
      if (session.inFlight().isEmpty() && now - session.lastUsed().get() > idleMs && forget(session)) {
        expired++;
      }
    }
    return expired;
  }
}
