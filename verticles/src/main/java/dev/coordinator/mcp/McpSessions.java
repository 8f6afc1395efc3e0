package dev.coordinator.mcp;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The MCP sessions of this node, shared by the HTTP verticle's instances. A session id is 128
 * random bits and is bound to the agent whose key opened it: it never authenticates anyone, and
 * another agent presenting it finds nothing.
 */
public final class McpSessions {
  /**
   * One session: who opened it, the protocol version agreed on, the coordinator session its
   * locks and claims belong to (null below write trust), and its requests under way (JSON-RPC id
   * to the request id their command carries), so that they can be cancelled.
   */
  record Session(String id, String agentId, String protocolVersion, String coordinatorSession,
                 Map<Object, String> inFlight) {
    Session(String id, String agentId, String protocolVersion, String coordinatorSession) {
      this(id, agentId, protocolVersion, coordinatorSession, new ConcurrentHashMap<>());
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Long> lastHeartbeat = new ConcurrentHashMap<>();

  Session open(String agentId, String protocolVersion, String coordinatorSession) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    Session session = new Session(HexFormat.of().formatHex(bytes), agentId, protocolVersion, coordinatorSession);
    sessions.put(session.id(), session);
    return session;
  }

  /** The session, if it exists and belongs to {@code agentId}. */
  Optional<Session> find(String id, String agentId) {
    return Optional.ofNullable(sessions.get(id)).filter(session -> session.agentId().equals(agentId));
  }

  /**
   * Whether a request on {@code session} should also heartbeat its coordinator session: at most
   * once per {@code everyMs}, so requests keep a session alive without a write each.
   */
  boolean heartbeatDue(Session session, long everyMs) {
    long now = System.currentTimeMillis();
    Long last = lastHeartbeat.get(session.id());
    if (last != null && now - last < everyMs) {
      return false;
    }
    lastHeartbeat.put(session.id(), now);
    return true;
  }

  public int size() {
    return sessions.size();
  }

  /** Removes and returns the session, if it belongs to {@code agentId}. */
  Optional<Session> close(String id, String agentId) {
    lastHeartbeat.remove(id);
    return find(id, agentId).filter(session -> sessions.remove(id) != null);
  }
}
