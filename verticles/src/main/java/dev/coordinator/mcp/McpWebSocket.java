package dev.coordinator.mcp;

import dev.coordinator.bus.Principal;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import io.vertx.core.json.JsonObject;

/**
 * MCP over one WebSocket: one JSON-RPC message per text frame, the socket is the session, and a
 * coordinator session of its own: heartbeated while the socket is open, so when the socket goes
 * away its locks and claims are released once the session timeout passes (the reaper's grace).
 * {@code initialize} comes first (a second one is an error); malformed messages are answered
 * and the socket stays open; a binary frame closes it with 1003; answers to requests still
 * running when the socket closes are dropped.
 */
final class McpWebSocket {
  static final short UNSUPPORTED_DATA = 1003;
  private static final long PROGRESS_EVERY_MS = 1_000;

  private final Vertx vertx;
  private final ServerWebSocket socket;
  private final Principal caller;
  private final McpProtocol protocol;
  /** Gives back the agent's place for a connection (taken before the upgrade) once the socket closes. */
  private final Runnable released;
  private boolean initialized;
  private String session;
  private long heartbeats = -1;
  /** Requests under way: their JSON-RPC id and the request id their command carries. */
  private final Map<Object, String> inFlight = new HashMap<>();

  McpWebSocket(Vertx vertx, ServerWebSocket socket, Principal caller, McpProtocol protocol, Runnable released) {
    this.released = released;
    this.vertx = vertx;
    this.socket = socket;
    this.caller = caller;
    this.protocol = protocol;
  }

  void start() {
    socket.textMessageHandler(this::receive);
    socket.binaryMessageHandler(binary -> socket.close(UNSUPPORTED_DATA, "binary frames are not supported"));
    socket.closeHandler(closed -> {
      released.run();
      vertx.cancelTimer(heartbeats);
      inFlight.values().forEach(requestId -> protocol.cancelWaits(caller, session, requestId));
      inFlight.clear();
    });
  }

  private void receive(String text) {
    JsonRpc.Parsed parsed = JsonRpc.parse(Buffer.buffer(text), "frame");
    if (parsed.error() != null) {
      send(parsed.error());
      return;
    }
    JsonObject message = parsed.message();
    Object id = JsonRpc.idOf(message);
    if ("notifications/cancelled".equals(message.getString("method"))) {
      cancel(message);
      return;
    }
    if (!JsonRpc.isRequest(message)) {
      return;
    }
    String method = message.getString("method");
    if (method.equals("initialize") && !initialized) {
      initialized = true;
      JsonObject params = message.getValue("params") instanceof JsonObject object ? object : null;
      protocol.openSession(caller).onComplete(opened -> {
        session = opened.succeeded() ? opened.result() : null;
        if (session != null && !socket.isClosed()) {
          heartbeats = vertx.setPeriodic(protocol.heartbeatMs(), tick -> protocol.heartbeat(caller, session));
        }
        send(JsonRpc.result(id, McpProtocol.initializeResult(McpProtocol.negotiate(params))));
      });
    } else if (!initialized && !method.equals("ping")) {
      send(JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "send initialize first"));
    } else {
      long progress = reportProgress(message);
      String requestId = "mcp-" + UUID.randomUUID();
      inFlight.put(id, requestId);
      protocol.answer(message, caller, session, requestId)
          .otherwise(error -> JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "internal error"))
          .onComplete(done -> vertx.cancelTimer(progress))
          .onSuccess(answer -> {
            // A cancelled request is not answered (MCP: the receiver sends no response).
            if (inFlight.remove(id, requestId)) {
              send(answer);
            }
          });
    }
  }

  /** {@code notifications/cancelled}: the request stops waiting, and its answer is not sent. */
  private void cancel(JsonObject notification) {
    JsonObject params = notification.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    String requestId = inFlight.remove(params.getValue("requestId"));
    if (requestId != null) {
      protocol.cancelWaits(caller, session, requestId);
    }
  }

  /**
   * A tool call that may wait ({@code wait_ms}) and asked for progress (a {@code progressToken})
   * hears how long it has waited, every second, until its answer comes. Returns the timer, or -1.
   */
  private long reportProgress(JsonObject request) {
    JsonObject params = request.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    JsonObject meta = params.getValue("_meta") instanceof JsonObject object ? object : new JsonObject();
    Object token = meta.getValue("progressToken");
    JsonObject arguments = params.getValue("arguments") instanceof JsonObject object ? object : new JsonObject();
    if (!"tools/call".equals(request.getString("method")) || token == null
        || !(arguments.getValue("wait_ms") instanceof Number waitMs) || waitMs.longValue() <= 0) {
      return -1;
    }
    long started = System.nanoTime();
    return vertx.setPeriodic(PROGRESS_EVERY_MS, tick -> send(new JsonObject().put("jsonrpc", "2.0")
        .put("method", "notifications/progress").put("params", new JsonObject().put("progressToken", token)
            .put("progress", (System.nanoTime() - started) / 1_000_000).put("total", waitMs.longValue())
            .put("message", "waiting (milliseconds so far of wait_ms)"))));
  }

  private void send(JsonObject message) {
    if (!socket.isClosed()) {
      socket.writeTextMessage(message.encode());
    }
  }
}
