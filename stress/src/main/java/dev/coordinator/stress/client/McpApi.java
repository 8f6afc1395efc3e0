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
import java.util.Optional;

/**
 * The REST calls of {@link Calls} as MCP tool calls over Streamable HTTP ({@code POST /mcp},
 * api.md §6). An MCP session is a coordinator session of its own: opening one is
 * {@code initialize} (then a {@code heartbeat} call, whose answer names the coordinator session),
 * ending it is {@code DELETE /mcp}, and a 404 (the session ended or was reaped) is answered as
 * REST answers a request in a gone session, so the client opens a new one.
 */
public final class McpApi implements Calls {
  private static final String PROTOCOL = "2025-11-25";
  private static final String SESSION_HEADER = "Mcp-Session-Id";
  private static final JsonObject SESSION_GONE = new JsonObject().put("error", new JsonObject().put("code", "VALIDATION_FAILED")
      .put("message", "the MCP session is gone").put("details", new JsonObject().put("field", "Coordinator-Session")));

  private final HttpClient http;
  private final List<URI> nodes;
  private final String key;
  private int node;
  private String session;
  private long nextId;

  public McpApi(HttpClient http, List<URI> nodes, String key, int firstNode) {
    this.http = http;
    this.nodes = nodes;
    this.key = key;
    this.node = Math.floorMod(firstNode, nodes.size());
  }

  @Override
  public Api.Reply post(String path, JsonObject body, Map<String, String> headers, long waitMs)
      throws IOException, InterruptedException {
    if (path.equals("/v1/sessions")) {
      return open();
    }
    JsonObject arguments = body.copy();
    Optional.ofNullable(headers.get("Idempotency-Key")).ifPresent(id -> arguments.put("request_id", id));
    String[] parts = path.split("/");
    String tool;
    if (path.startsWith("/v1/sessions/")) {
      tool = "heartbeat";
    } else if (path.startsWith("/v1/locks/")) {
      tool = switch (parts[3]) {
        case "acquire" -> "acquire_lock";
        case "release" -> "release_lock";
        case "renew" -> "renew_lock";
        default -> "validate_fencing_token";
      };
    } else if (path.equals("/v1/tasks")) {
      tool = "submit_work";
    } else if (path.equals("/v1/tasks/claim")) {
      tool = "get_work";
    } else {
      arguments.put("task_id", parts[3]);
      tool = switch (parts[4]) {
        case "complete" -> "complete_work";
        case "renew" -> "renew_claim";
        default -> "cancel_task";
      };
    }
    return tool(tool, arguments, waitMs);
  }

  @Override
  public Api.Reply get(String path) throws IOException, InterruptedException {
    return tool("check_locks", new JsonObject(), 0);
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

  /** initialize, the initialized notification, then heartbeat: answers as {@code POST /v1/sessions} does. */
  private Api.Reply open() throws IOException, InterruptedException {
    session = null;
    JsonObject initialize = new JsonObject().put("protocolVersion", PROTOCOL).put("capabilities", new JsonObject())
        .put("clientInfo", new JsonObject().put("name", "coordinator-stress").put("version", "1"));
    HttpResponse<String> opened = rpc("initialize", initialize, 0);
    if (opened.statusCode() != 200 || opened.headers().firstValue(SESSION_HEADER).isEmpty()) {
      return new Api.Reply(opened.statusCode() == 200 ? 500 : opened.statusCode(), Api.json(opened.body()));
    }
    session = opened.headers().firstValue(SESSION_HEADER).get();
    send(HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(
        new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode())), 0);
    Api.Reply beat = tool("heartbeat", new JsonObject(), 0);
    return beat.success() ? new Api.Reply(201, beat.body()) : beat;
  }

  private Api.Reply tool(String name, JsonObject arguments, long waitMs) throws IOException, InterruptedException {
    HttpResponse<String> response = rpc("tools/call", new JsonObject().put("name", name).put("arguments", arguments), waitMs);
    if (response.statusCode() == 404 || response.statusCode() == 400 && session == null) {
      session = null;
      return new Api.Reply(400, SESSION_GONE);
    }
    JsonObject body = Api.json(response.body());
    JsonObject result = body.getJsonObject("result");
    if (response.statusCode() != 200 || result == null) {
      return new Api.Reply(response.statusCode() == 200 ? 400 : response.statusCode(), body);
    }
    JsonObject content = result.getJsonObject("structuredContent", new JsonObject());
    if (!result.getBoolean("isError", false)) {
      return new Api.Reply(200, content);
    }
    String code = content.getJsonObject("error", new JsonObject()).getString("code", "");
    return new Api.Reply(switch (code) {
      case "INTERNAL" -> 500;
      case "UNAVAILABLE" -> 503;
      case "TIMEOUT" -> 504;
      default -> 409;
    }, content);
  }

  private HttpResponse<String> rpc(String method, JsonObject params, long waitMs) throws IOException, InterruptedException {
    JsonObject message = new JsonObject().put("jsonrpc", "2.0").put("id", ++nextId).put("method", method).put("params", params);
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
