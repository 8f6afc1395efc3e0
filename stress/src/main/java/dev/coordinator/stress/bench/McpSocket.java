package dev.coordinator.stress.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * G7's client: one MCP connection over WebSocket (docs/mcp.md), initialized as a real client is,
 * then the lock cycle as two tool calls. The socket is the MCP session; its locks belong to it.
 */
final class McpSocket implements BenchClient {
  private static final String PROTOCOL = "2025-11-25";

  private final WebSocket socket;
  private final JsonObject acquire;
  private final JsonObject release;
  // Written by the load loop's thread, answered on the socket's event loop.
  private final Map<Long, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();

  private McpSocket(WebSocket socket, String key) {
    this.socket = socket;
    this.acquire = new JsonObject().put("name", "acquire_lock").put("arguments", new JsonObject().put("key", key).put("ttl_seconds", 60));
    this.release = new JsonObject().put("name", "release_lock").put("arguments", new JsonObject().put("key", key));
    socket.textMessageHandler(text -> {
      JsonObject message = new JsonObject(text);
      Promise<JsonObject> answer = message.getValue("id") instanceof Number id ? pending.remove(id.longValue()) : null;
      if (answer != null) {
        answer.complete(message);
      }
    });
    socket.closeHandler(closed -> {
      pending.values().forEach(answer -> answer.tryFail("the MCP socket closed"));
      pending.clear();
    });
  }

  /** Connects with the agent's key on the upgrade, then initialize and the initialized notification. */
  static Future<BenchClient> open(WebSocketClient client, URI node, String agentKey, String lockKey) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(node.getHost()).setPort(node.getPort())
        .setURI("/mcp").addHeader("Authorization", "Bearer " + agentKey).addSubProtocol("mcp");
    return client.connect(options).compose(socket -> {
      McpSocket mcp = new McpSocket(socket, lockKey);
      JsonObject initialize = new JsonObject().put("protocolVersion", PROTOCOL).put("capabilities", new JsonObject())
          .put("clientInfo", new JsonObject().put("name", "coordinator-bench").put("version", "1"));
      return mcp.call("initialize", initialize)
          .compose(initialized -> socket.writeTextMessage(new JsonObject().put("jsonrpc", "2.0")
              .put("method", "notifications/initialized").encode()))
          .map(mcp);
    });
  }

  @Override
  public Future<Boolean> next() {
    return tool(acquire).compose(held -> tool(release)).map(true);
  }

  @Override
  public Future<Void> close() {
    return socket.close();
  }

  private Future<JsonObject> tool(JsonObject call) {
    return call("tools/call", call).map(answer -> {
      JsonObject result = answer.getJsonObject("result");
      if (result == null || result.getBoolean("isError", false)) {
        throw new IllegalStateException(call.getString("name") + " answered " + answer.encode());
      }
      return result;
    });
  }

  private Future<JsonObject> call(String method, JsonObject params) {
    long id = nextId.incrementAndGet();
    Promise<JsonObject> answer = Promise.promise();
    pending.put(id, answer);
    socket.writeTextMessage(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params).encode())
        .onFailure(answer::tryFail);
    return answer.future().map(message -> {
      if (message.containsKey("error")) {
        throw new IllegalStateException(method + " answered " + message.encode());
      }
      return message;
    });
  }
}
