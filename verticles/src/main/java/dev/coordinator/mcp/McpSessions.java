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
  /** One session: who opened it and the protocol version agreed on. */
  record Session(String id, String agentId, String protocolVersion) {
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  Session open(String agentId, String protocolVersion) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    Session session = new Session(HexFormat.of().formatHex(bytes), agentId, protocolVersion);
    sessions.put(session.id(), session);
    return session;
  }

  /** The session, if it exists and belongs to {@code agentId}. */
  Optional<Session> find(String id, String agentId) {
    return Optional.ofNullable(sessions.get(id)).filter(session -> session.agentId().equals(agentId));
  }

  boolean close(String id, String agentId) {
    return find(id, agentId).map(session -> sessions.remove(id) != null).orElse(false);
  }
}
