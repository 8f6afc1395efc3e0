package dev.coordinator.mcp;

import dev.coordinator.bus.Principal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.UUID;

/**
 * MCP's Streamable HTTP transport on {@code /mcp}, answering with JSON (never a stream):
 * {@code initialize} opens a session ({@code Mcp-Session-Id}); later requests must name their
 * caller's session; notifications and client responses get 202; {@code DELETE} ends the session;
 * a plain {@code GET} is 405. The caller is already authenticated by its bearer key.
 */
public final class McpHttp {
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";

  private final McpProtocol protocol;
  private final McpSessions sessions;
  private final java.util.function.Function<RoutingContext, Principal> principal;

  public McpHttp(McpProtocol protocol, McpSessions sessions, java.util.function.Function<RoutingContext, Principal> principal) {
    this.protocol = protocol;
    this.sessions = sessions;
    this.principal = principal;
  }

  public void post(RoutingContext context) {
    if (!accepts(context)) {
      reply(context, 406, JsonRpc.error(null, JsonRpc.INVALID_REQUEST,
          "Accept must allow both application/json and text/event-stream"));
      return;
    }
    String contentType = context.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      reply(context, 415, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "Content-Type must be application/json"));
      return;
    }
    Buffer body = context.body().buffer();
    JsonRpc.Parsed parsed = JsonRpc.parse(body == null ? Buffer.buffer() : body, "request");
    if (parsed.error() != null) {
      reply(context, parsed.httpStatus(), parsed.error());
      return;
    }
    JsonObject message = parsed.message();
    Object id = JsonRpc.idOf(message);
    String version = context.request().getHeader(VERSION_HEADER);
    if (version != null && !McpProtocol.VERSIONS.contains(version)) {
      reply(context, 400, JsonRpc.error(id, JsonRpc.INVALID_REQUEST,
          "unsupported MCP-Protocol-Version " + version + "; this server speaks " + McpProtocol.VERSIONS));
      return;
    }
    Principal caller = principal.apply(context);
    String sessionId = context.request().getHeader(SESSION_HEADER);
    if ("initialize".equals(message.getString("method")) && JsonRpc.isRequest(message) && sessionId == null) {
      JsonObject params = message.getValue("params") instanceof JsonObject object ? object : null;
      protocol.openSession(caller).onComplete(opened -> {
        McpSessions.Session session = sessions.open(caller.id(), McpProtocol.negotiate(params),
            opened.succeeded() ? opened.result() : null);
        context.response().putHeader(SESSION_HEADER, session.id());
        reply(context, 200, JsonRpc.result(id, McpProtocol.initializeResult(session.protocolVersion())));
      });
      return;
    }
    if (sessionId == null) {
      reply(context, 400, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "Mcp-Session-Id is required; send initialize first"));
      return;
    }
    McpSessions.Session session = sessions.find(sessionId, caller.id()).orElse(null);
    if (session == null) {
      reply(context, 404, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "no such session; send initialize again"));
      return;
    }
    if (session.coordinatorSession() != null && sessions.heartbeatDue(session, protocol.heartbeatMs())) {
      protocol.heartbeat(caller, session.coordinatorSession());
    }
    if (!JsonRpc.isRequest(message)) {
      if ("notifications/cancelled".equals(message.getString("method"))) {
        cancel(message, caller, session);
      }
      context.response().setStatusCode(202).end();
      return;
    }
    String requestId = "mcp-" + UUID.randomUUID();
    if (id != null) {
      session.inFlight().put(id, requestId);
    }
    protocol.answer(message, caller, session.coordinatorSession(), requestId)
        .otherwise(error -> JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "internal error"))
        .onComplete(done -> {
          if (id != null) {
            session.inFlight().remove(id, requestId);
          }
        })
        .onSuccess(answer -> reply(context, 200, answer));
  }

  /**
   * {@code notifications/cancelled}: a request of this session that waits stops waiting. Its HTTP
   * request still gets an answer (the refusal of a cancelled wait), since HTTP has no way not to.
   */
  private void cancel(JsonObject notification, Principal caller, McpSessions.Session session) {
    JsonObject params = notification.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    Object cancelled = params.getValue("requestId");
    String requestId = cancelled == null ? null : session.inFlight().remove(cancelled);
    if (requestId != null) {
      protocol.cancelWaits(caller, session.coordinatorSession(), requestId);
    }
  }

  public void delete(RoutingContext context) {
    String sessionId = context.request().getHeader(SESSION_HEADER);
    if (sessionId == null) {
      reply(context, 400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "Mcp-Session-Id is required"));
    } else {
      Principal caller = principal.apply(context);
      sessions.close(sessionId, caller.id()).ifPresentOrElse(
          session -> (session.coordinatorSession() == null ? io.vertx.core.Future.<Object>succeededFuture()
              : protocol.endSession(caller, session.coordinatorSession()).<Object>mapEmpty())
              .onComplete(ended -> context.response().setStatusCode(204).end()),
          () -> reply(context, 404, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "no such session")));
    }
  }

  /** A WebSocket upgrade starts a socket session; a plain GET gets 405 (no server-to-client stream here). */
  public void get(RoutingContext context) {
    String upgrade = context.request().getHeader("Upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
      Principal caller = principal.apply(context);
      context.request().toWebSocket()
          .onSuccess(socket -> new McpWebSocket(context.vertx(), socket, caller, protocol).start())
          .onFailure(error -> {
            if (!context.response().ended()) {
              reply(context, 400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "the WebSocket handshake failed"));
            }
          });
      return;
    }
    context.response().putHeader("Allow", "POST, DELETE");
    reply(context, 405, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "GET /mcp offers no event stream; POST messages"));
  }

  private static boolean accepts(RoutingContext context) {
    String accept = context.request().getHeader("Accept");
    if (accept == null) {
      return false;
    }
    String lower = accept.toLowerCase(Locale.ROOT);
    boolean anything = lower.contains("*/*");
    return anything || (lower.contains("application/json") && lower.contains("text/event-stream"));
  }

  private static void reply(RoutingContext context, int status, JsonObject body) {
    context.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
