package dev.coordinator.mcp;

import dev.coordinator.bus.Principal;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * MCP over one WebSocket: one JSON-RPC message per text frame, the socket is the session.
 * {@code initialize} comes first (a second one is an error); malformed messages are answered
 * and the socket stays open; a binary frame closes it with 1003; answers to requests still
 * running when the socket closes are dropped.
 */
final class McpWebSocket {
  static final short UNSUPPORTED_DATA = 1003;

  private final ServerWebSocket socket;
  private final Principal caller;
  private final McpProtocol protocol;
  private boolean initialized;

  McpWebSocket(ServerWebSocket socket, Principal caller, McpProtocol protocol) {
    this.socket = socket;
    this.caller = caller;
    this.protocol = protocol;
  }

  void start() {
    socket.textMessageHandler(this::receive);
    socket.binaryMessageHandler(binary -> socket.close(UNSUPPORTED_DATA, "binary frames are not supported"));
  }

  private void receive(String text) {
    JsonRpc.Parsed parsed = JsonRpc.parse(Buffer.buffer(text), "frame");
    if (parsed.error() != null) {
      send(parsed.error());
      return;
    }
    JsonObject message = parsed.message();
    Object id = JsonRpc.idOf(message);
    if (!JsonRpc.isRequest(message)) {
      return;
    }
    String method = message.getString("method");
    if (method.equals("initialize") && !initialized) {
      initialized = true;
      JsonObject params = message.getValue("params") instanceof JsonObject object ? object : null;
      send(JsonRpc.result(id, McpProtocol.initializeResult(McpProtocol.negotiate(params))));
    } else if (!initialized && !method.equals("ping")) {
      send(JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "send initialize first"));
    } else {
      protocol.answer(message, caller)
          .otherwise(error -> JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "internal error"))
          .onSuccess(this::send);
    }
  }

  private void send(JsonObject message) {
    if (!socket.isClosed()) {
      socket.writeTextMessage(message.encode());
    }
  }
}
