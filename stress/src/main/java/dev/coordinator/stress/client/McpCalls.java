package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * The REST calls of {@link Calls} as MCP tool calls (api.md §6), whatever carries the JSON-RPC
 * messages: an MCP session is a coordinator session of its own, opened by {@code initialize} (then
 * a {@code heartbeat} call, whose answer names the coordinator session); when the service says the
 * session is gone, the call is answered as REST answers a request in a gone session, so the client
 * opens a new one.
 */
abstract class McpCalls implements Calls {
  static final String PROTOCOL = "2025-11-25";
  static final JsonObject SESSION_GONE = new JsonObject().put("error", new JsonObject().put("code", "VALIDATION_FAILED")
      .put("message", "the MCP session is gone").put("details", new JsonObject().put("field", "Coordinator-Session")));

  private long nextId;

  /** A JSON-RPC answer as the transport got it; {@code sessionGone} when the service no longer knows the session. */
  record Rpc(int status, JsonObject body, boolean sessionGone) {
  }

  /** Sends one JSON-RPC request and waits for its answer. */
  abstract Rpc rpc(JsonObject message, long waitMs) throws IOException, InterruptedException;

  /** Sends one JSON-RPC notification (no answer). */
  abstract void notify(JsonObject message) throws IOException, InterruptedException;

  /** Starts a new MCP session: {@code initialize} sent, its answer returned, the transport bound to the new session. */
  abstract Rpc initialize(JsonObject message) throws IOException, InterruptedException;

  @Override
  public final Api.Reply post(String path, JsonObject body, Map<String, String> headers, long waitMs)
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
  public final Api.Reply get(String path, Map<String, String> headers) throws IOException, InterruptedException {
    return tool("check_locks", new JsonObject(), 0);
  }

  /** initialize, the initialized notification, then heartbeat: answers as {@code POST /v1/sessions} does. */
  private Api.Reply open() throws IOException, InterruptedException {
    JsonObject initialize = new JsonObject().put("protocolVersion", PROTOCOL).put("capabilities", new JsonObject())
        .put("clientInfo", new JsonObject().put("name", "coordinator-stress").put("version", "1"));
    Rpc opened = initialize(request("initialize", initialize));
    if (opened.sessionGone() || opened.status() != 200 || opened.body().getJsonObject("result") == null) {
      return new Api.Reply(opened.status() == 200 ? 500 : opened.status(), opened.body());
    }
    notify(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
    Api.Reply beat = tool("heartbeat", new JsonObject(), 0);
    return beat.success() ? new Api.Reply(201, beat.body()) : beat;
  }

  private Api.Reply tool(String name, JsonObject arguments, long waitMs) throws IOException, InterruptedException {
    Rpc response = rpc(request("tools/call", new JsonObject().put("name", name).put("arguments", arguments)), waitMs);
    if (response.sessionGone()) {
      return new Api.Reply(400, SESSION_GONE);
    }
    JsonObject result = response.body().getJsonObject("result");
    if (response.status() != 200 || result == null) {
      return new Api.Reply(response.status() == 200 ? 400 : response.status(), response.body());
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

  private JsonObject request(String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", ++nextId).put("method", method).put("params", params);
  }
}
