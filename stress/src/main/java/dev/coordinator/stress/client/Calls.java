package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/**
 * How a client reaches the service, in REST terms (paths, bodies, {@code Coordinator-Session} and
 * {@code Idempotency-Key} headers): {@link Api} sends them as they are, {@link McpApi} as MCP tool
 * calls over Streamable HTTP.
 */
public interface Calls {
  Api.Reply post(String path, JsonObject body, Map<String, String> headers, long waitMs) throws IOException, InterruptedException;

  Api.Reply get(String path) throws IOException, InterruptedException;

  Api.Reply delete(String path, Map<String, String> headers) throws IOException, InterruptedException;

  /** Which node the client talks to (an index into the node list). */
  int node();

  /** {@code rest} or {@code mcp}, recorded with every call. */
  String transport();
}
