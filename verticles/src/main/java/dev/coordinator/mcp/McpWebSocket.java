package dev.coordinator.mcp;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Principal;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.UUID;
import io.vertx.core.json.JsonObject;

/**
 * MCP over one WebSocket: one JSON-RPC message per text frame (or a batch, on 2025-03-26), the
 * socket is the session, and a coordinator session of its own: heartbeated while the socket is
 * open, so when the socket goes away its locks and claims are released once the session timeout
 * passes (the reaper's grace).
 * {@code initialize} comes first (a second one is an error); malformed messages are answered
 * and the socket stays open; a binary frame closes it with 1003; answers to requests still
 * running when the socket closes are dropped.
 *
 * <p>The socket stays on its node. Its place under the agent's cap (HARD-3) is a row in the
 * database, touched while the socket lives: when the node shuts down the socket is closed with
 * 1001 (going away), which a client takes as "connect again", to any node; when the node dies
 * the client sees the connection drop (1006) and does the same, and the row, no longer touched,
 * gives the place back within the idle time.
 */
final class McpWebSocket {
  static final short UNSUPPORTED_DATA = 1003;
  /** Private-use close code, after HTTP's 404: the coordinator session behind the socket was ended or reaped. */
  static final short SESSION_ENDED = 4404;
  /** RFC 6455 "going away": the node shuts down; the client connects again (to another node). */
  static final short GOING_AWAY = 1001;
  private static final long PROGRESS_EVERY_MS = 1_000;

  private final Vertx vertx;
  private final ServerWebSocket socket;
  private final Principal caller;
  private final McpProtocol protocol;
  private final McpSessions sessions;
  /** The agent's place for this connection (taken before the upgrade), given back once the socket closes. */
  private final McpSessions.Place place;
  /** Told +1 on start and -1 on close: the metrics' count of open MCP WebSockets. */
  private final java.util.function.IntConsumer opened;
  private boolean initialized;
  private String session;
  /** The protocol version agreed on in {@code initialize}. */
  private String version;
  private long heartbeats = -1;
  private long touches = -1;
  private MessageConsumer<Object> shutdown;
  /** Requests under way: their JSON-RPC id and the request id their command carries. */
  private final Map<Object, String> inFlight = new HashMap<>();

  McpWebSocket(Vertx vertx, ServerWebSocket socket, Principal caller, McpProtocol protocol, McpSessions sessions,
               McpSessions.Place place, java.util.function.IntConsumer opened) {
    this.opened = opened;
    this.sessions = sessions;
    this.place = place;
    this.vertx = vertx;
    this.socket = socket;
    this.caller = caller;
    this.protocol = protocol;
  }

  void start() {
    opened.accept(1);
    socket.textMessageHandler(this::receive);
    socket.binaryMessageHandler(binary -> socket.close(UNSUPPORTED_DATA, "binary frames are not supported"));
    touches = vertx.setPeriodic(protocol.heartbeatMs(), tick -> sessions.touch(place));
    shutdown = vertx.eventBus().localConsumer(Addresses.SHUTTING_DOWN,
        ignored -> socket.close(GOING_AWAY, "this node is shutting down; connect again"));
    socket.closeHandler(closed -> {
      opened.accept(-1);
      sessions.forget(place.idHash());
      shutdown.unregister();
      vertx.cancelTimer(touches);
      vertx.cancelTimer(heartbeats);
      inFlight.values().forEach(requestId -> protocol.cancelWaits(caller.id(), session, requestId));
      inFlight.clear();
    });
  }

  private void receive(String text) {
    JsonRpc.Parsed parsed = JsonRpc.parse(Buffer.buffer(text), "frame");
    if (parsed.error() != null) {
      send(parsed.error());
    } else if (parsed.batch() != null) {
      batch(parsed.batch());
    } else {
      handle(parsed.message()).onSuccess(this::send);
    }
  }

  /**
   * A batch, for a socket that negotiated 2025-03-26 (the one version with batches): each entry
   * is handled as if it came alone, and the answers go back together in one array frame (none
   * when nothing is to be answered).
   */
  private void batch(JsonArray batch) {
    String problem = initialized ? JsonRpc.batchProblem(batch, version) : "send initialize first";
    if (problem != null) {
      send(JsonRpc.error(null, JsonRpc.INVALID_REQUEST, problem));
      return;
    }
    List<Future<JsonObject>> answers = batch.stream().map(entry -> {
      JsonRpc.Parsed one = JsonRpc.check(entry);
      return one.error() != null ? Future.succeededFuture(one.error()) : handle(one.message());
    }).toList();
    Future.all(answers).onSuccess(all -> {
      JsonArray answered = new JsonArray(all.<JsonObject>list().stream().filter(Objects::nonNull).toList());
      if (!answered.isEmpty() && !socket.isClosed()) {
        socket.writeTextMessage(answered.encode());
      }
    });
  }

  /** One message; the answer to send, or null when there is none (a notification, a cancelled request). */
  private Future<JsonObject> handle(JsonObject message) {
    Object id = JsonRpc.idOf(message);
    if ("notifications/cancelled".equals(message.getString("method"))) {
      cancel(message);
      return Future.succeededFuture();
    }
    if (!JsonRpc.isRequest(message)) {
      return Future.succeededFuture();
    }
    String method = message.getString("method");
    if (method.equals("initialize") && !initialized) {
      initialized = true;
      JsonObject params = message.getValue("params") instanceof JsonObject object ? object : null;
      version = McpProtocol.negotiate(params);
      return protocol.openSession(caller).transform(opened -> {
        session = opened.succeeded() ? opened.result() : null;
        if (session != null && !socket.isClosed()) {
          heartbeats = vertx.setPeriodic(protocol.heartbeatMs(), tick -> protocol.heartbeat(caller, session)
              .onSuccess(reply -> {
                if (McpProtocol.sessionGone(reply)) {
                  socket.close(SESSION_ENDED, "the session has ended; connect again");
                }
              }));
        }
        return Future.succeededFuture(JsonRpc.result(id, McpProtocol.initializeResult(version)));
      });
    }
    if (!initialized && !method.equals("ping")) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "send initialize first"));
    }
    long progress = reportProgress(message);
    String requestId = "mcp-" + UUID.randomUUID();
    inFlight.put(id, requestId);
    return protocol.answer(message, caller, session, requestId)
        .otherwise(error -> JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "internal error"))
        .onComplete(done -> vertx.cancelTimer(progress))
        // A cancelled request is not answered (MCP: the receiver sends no response).
        .map(answer -> inFlight.remove(id, requestId) ? answer : null);
  }

  /** {@code notifications/cancelled}: the request stops waiting, and its answer is not sent. */
  private void cancel(JsonObject notification) {
    JsonObject params = notification.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    String requestId = inFlight.remove(params.getValue("requestId"));
    if (requestId != null) {
      protocol.cancelWaits(caller.id(), session, requestId);
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
    if (message != null && !socket.isClosed()) {
      socket.writeTextMessage(message.encode());
    }
  }
}
