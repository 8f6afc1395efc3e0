package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * MCP over Streamable HTTP ({@code POST /mcp}, api.md §6): the session is the
 * {@code Mcp-Session-Id} that {@code initialize} issues, good on any node; ending it is
 * {@code DELETE /mcp}; a 404 means the session ended or was reaped.
 */
public final class McpApi extends McpCalls {
  private static final String SESSION_HEADER = "Mcp-Session-Id";

  private final HttpClient http;
  private final List<URI> nodes;
  private final String key;
  private int node;
  private String session;

  public McpApi(HttpClient http, List<URI> nodes, String key, int firstNode) {
    this.http = http;
    this.nodes = nodes;
    this.key = key;
    this.node = Math.floorMod(firstNode, nodes.size());
  }

  @Override
  public Api.Reply delete(String path, Map<String, String> headers) throws IOException, InterruptedException {
    HttpResponse<String> response = send(HttpRequest.newBuilder().DELETE(), 0);
    session = null;
    return new Api.Reply(response.statusCode() == 404 ? 404 : response.statusCode() / 100 == 2 ? 200 : response.statusCode(),
        response.statusCode() / 100 == 2 ? new JsonObject() : Api.json(response.body()));
  }

  @Override
  public int node() {
    return node;
  }

  @Override
  public String transport() {
    return "mcp";
  }

  @Override
  Rpc initialize(JsonObject message) throws IOException, InterruptedException {
    session = null;
    HttpResponse<String> response = post(message, 0);
    session = response.headers().firstValue(SESSION_HEADER).orElse(null);
    return new Rpc(session == null && response.statusCode() == 200 ? 500 : response.statusCode(), Api.json(response.body()), false);
  }

  @Override
  Rpc rpc(JsonObject message, long waitMs) throws IOException, InterruptedException {
    HttpResponse<String> response = post(message, waitMs);
    boolean gone = response.statusCode() == 404 || response.statusCode() == 400 && session == null;
    if (gone) {
      session = null;
    }
    return new Rpc(response.statusCode(), Api.json(response.body()), gone);
  }

  @Override
  void notify(JsonObject message) throws IOException, InterruptedException {
    post(message, 0);
  }

  private HttpResponse<String> post(JsonObject message, long waitMs) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(message.encode())), waitMs);
  }

  private HttpResponse<String> send(HttpRequest.Builder builder, long waitMs) throws IOException, InterruptedException {
    builder.uri(nodes.get(node).resolve("/mcp")).timeout(Api.REQUEST_TIMEOUT.plusMillis(waitMs))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", PROTOCOL);
    if (session != null) {
      builder.header(SESSION_HEADER, session);
    }
    try {
      return http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      node = (node + 1) % nodes.size();
      throw e;
    }
  }
}
