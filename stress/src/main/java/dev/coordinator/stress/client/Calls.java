package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/**
 * How a client reaches the service, in REST terms (paths, bodies, {@code Coordinator-Session} and
 * {@code Idempotency-Key} headers): {@link Api} sends them as they are, {@link McpApi} and
 * {@link McpSocketApi} as MCP tool calls over Streamable HTTP and over WebSocket.
 */
public interface Calls {
  Api.Reply post(String path, JsonObject body, Map<String, String> headers, long waitMs) throws IOException, InterruptedException;

  Api.Reply get(String path, Map<String, String> headers) throws IOException, InterruptedException;

  Api.Reply delete(String path, Map<String, String> headers) throws IOException, InterruptedException;

  /** Which node the client talks to (an index into the node list). */
  int node();

  /** {@code rest}, {@code mcp} or {@code mcp-ws}, recorded with every call. */
  String transport();

  /**
   * Whether the service files the call's audit rows under the {@code X-Request-Id} it is sent with
   * (REST does; MCP names its own request ids), so the checker can find each call's rows (AUD-1).
   */
  default boolean auditedByRequestId() {
    return false;
  }

  /** Drops the connection as a crashed process would (only a WebSocket holds one that keeps its session alive). */
  default void vanish() {
    // nothing held open between calls
  }
}
