package dev.coordinator.mcp;

import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * MCP's Streamable HTTP transport on {@code /mcp}, answering with JSON (never a stream):
 * {@code initialize} opens a session ({@code Mcp-Session-Id}); later requests must name their
 * caller's session; notifications and client responses get 202; {@code DELETE} ends the session;
 * a plain {@code GET} is 405. The caller is already authenticated by its bearer key. A session
 * whose coordinator session was ended or reaped is 404 (MCP Session Management: the client
 * initializes again); a session on 2025-03-26 also takes JSON-RPC batches. Sessions live in the
 * database ({@link McpSessions}): any node serves any session, and a cancellation reaches the node
 * that runs the cancelled request.
 */
public final class McpHttp {
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  /** The gate's name for the coordinator session a command is tied to. */
  private static final String SESSION_FIELD = "Coordinator-Session";
  private static final String NO_SESSION = "no such session; send initialize again";
  private static final String ENDED =
      "the session has ended (its coordinator session was ended or reaped); send initialize again";
  private static final String NO_DATABASE = "the service cannot reach its database; nothing was changed, retry";

  private final McpProtocol protocol;
  private final McpSessions sessions;
  private final java.util.function.Function<RoutingContext, Principal> principal;
  private final java.util.function.IntConsumer webSockets;

  /** {@code webSockets} hears +1 when an MCP WebSocket opens and -1 when it closes (the metrics). */
  public McpHttp(McpProtocol protocol, McpSessions sessions, java.util.function.Function<RoutingContext, Principal> principal,
                 java.util.function.IntConsumer webSockets) {
    this.protocol = protocol;
    this.sessions = sessions;
    this.principal = principal;
    this.webSockets = webSockets;
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
    Object id = message == null ? null : JsonRpc.idOf(message);
    String version = context.request().getHeader(VERSION_HEADER);
    if (version != null && !McpProtocol.VERSIONS.contains(version)) {
      reply(context, 400, JsonRpc.error(id, JsonRpc.INVALID_REQUEST,
          "unsupported MCP-Protocol-Version " + version + "; this server speaks " + McpProtocol.VERSIONS));
      return;
    }
    Principal caller = principal.apply(context);
    String sessionId = context.request().getHeader(SESSION_HEADER);
    if (message != null && sessionId == null && JsonRpc.isRequest(message) && "initialize".equals(message.getString("method"))) {
      initialize(context, caller, id, message);
      return;
    }
    if (sessionId == null) {
      reply(context, 400, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "Mcp-Session-Id is required; send initialize first"));
      return;
    }
    long waitMs = message != null ? McpSessions.waitOf(message) : parsed.batch().stream()
        .mapToLong(entry -> entry instanceof JsonObject object ? McpSessions.waitOf(object) : 0).max().orElse(0);
    sessions.find(sessionId, caller.id(), waitMs, protocol.heartbeatMs()).onComplete(found -> {
      if (found.failed()) {
        reply(context, 503, JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, NO_DATABASE));
      } else if (found.result().isEmpty()) {
        reply(context, 404, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, NO_SESSION));
      } else if (found.result().get().ended()) {
        // Ended or reaped (on any node, or by the reaper): gone for every node, and the client starts over.
        sessions.forget(found.result().get().idHash()).onComplete(forgotten ->
            reply(context, 404, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, ENDED)));
      } else {
        serve(context, caller, found.result().get(), parsed);
      }
    });
  }

  /** A request of a live session: its message, or its batch, handled and answered. */
  private void serve(RoutingContext context, Principal caller, McpSessions.Session session, JsonRpc.Parsed parsed) {
    JsonObject message = parsed.message();
    Object id = message == null ? null : JsonRpc.idOf(message);
    String batchProblem = parsed.batch() == null ? null : JsonRpc.batchProblem(parsed.batch(), session.protocolVersion());
    if (batchProblem != null) {
      reply(context, 400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, batchProblem));
      return;
    }
    alive(caller, session, false).onSuccess(alive -> {
      if (!alive) {
        reply(context, 404, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, ENDED));
      } else if (message != null) {
        Future<JsonObject> answer = handle(caller, session, message);
        respond(context, caller, session, answer == null ? List.of() : List.of(answer), false);
      } else {
        List<Future<JsonObject>> answers = new ArrayList<>();
        for (Object entry : parsed.batch()) {
          JsonRpc.Parsed one = JsonRpc.check(entry);
          Future<JsonObject> answer = one.error() != null
              ? Future.succeededFuture(one.error())
              : handle(caller, session, one.message());
          if (answer != null) {
            answers.add(answer);
          }
        }
        respond(context, caller, session, answers, true);
      }
    });
  }

  /** A request's answer to come, or null for a notification or a client's response (acted on here, never answered). */
  private Future<JsonObject> handle(Principal caller, McpSessions.Session session, JsonObject message) {
    if (JsonRpc.isRequest(message)) {
      return answer(caller, session, message);
    }
    if ("notifications/cancelled".equals(message.getString("method"))) {
      cancel(message, session);
    }
    return null;
  }

  /**
   * 202 when nothing is to be answered; else 200 with the answers (the one answer of a lone
   * request, or the array of a {@code batch}), unless a command was refused because its
   * coordinator session is gone: then the session ends here and the client hears 404.
   */
  private void respond(RoutingContext context, Principal caller, McpSessions.Session session,
                       List<Future<JsonObject>> answers, boolean batch) {
    if (answers.isEmpty()) {
      context.response().setStatusCode(202).end();
      return;
    }
    Future.all(answers).map(all -> new JsonArray(all.list()))
        .compose(done -> endedSession(done)
            ? alive(caller, session, true).map(still -> still ? done : null)
            : Future.succeededFuture(done))
        .onSuccess(done -> {
          if (done == null) {
            reply(context, 404, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, ENDED));
          } else {
            context.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                .end(batch ? done.toBuffer() : done.getJsonObject(0).toBuffer());
          }
        });
  }

  /**
   * Opens an MCP session, and a coordinator session behind it, if the agent has a place left in
   * the cluster (HARD-3); at the cap the answer is 429 with a JSON-RPC error and nothing is opened.
   */
  private void initialize(RoutingContext context, Principal caller, Object id, JsonObject message) {
    JsonObject params = message.getValue("params") instanceof JsonObject object ? object : null;
    String version = McpProtocol.negotiate(params);
    sessions.reserve(caller.id(), version).onComplete(reserved -> {
      if (reserved.failed()) {
        reply(context, 503, JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, NO_DATABASE));
        return;
      }
      McpSessions.Place place = reserved.result().orElse(null);
      if (place == null) {
        reply(context, 429, tooMany(id, sessions.perAgent()));
        return;
      }
      protocol.openSession(caller).otherwiseEmpty()
          .compose(coordinatorSession -> sessions.bind(place, coordinatorSession))
          .onSuccess(bound -> {
            context.response().putHeader(SESSION_HEADER, place.id());
            reply(context, 200, JsonRpc.result(id, McpProtocol.initializeResult(version)));
          })
          .onFailure(error -> sessions.forget(place.idHash()).onComplete(forgotten ->
              reply(context, 503, JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, NO_DATABASE))));
    });
  }

  /** The error an agent gets when all its places for MCP connections in the cluster are taken. */
  static JsonObject tooMany(Object id, int perAgent) {
    return JsonRpc.error(id, JsonRpc.TOO_MANY_SESSIONS, "this agent already holds " + perAgent
        + " MCP sessions (Streamable HTTP sessions and WebSockets together, on all nodes); DELETE /mcp or close"
        + " one you no longer use, or wait until an idle one expires");
  }

  /**
   * Whether the coordinator session behind {@code session} still lives, heartbeating it when a
   * heartbeat is due (or {@code now}). A session ended or reaped is forgotten here, so its client
   * hears 404 and initializes again; a database that cannot answer proves nothing, so it counts
   * as alive (the request then meets the same trouble and says so).
   */
  private Future<Boolean> alive(Principal caller, McpSessions.Session session, boolean now) {
    if (session.coordinatorSession() == null || !(now || session.heartbeatDue())) {
      return Future.succeededFuture(true);
    }
    return protocol.heartbeat(caller, session.coordinatorSession()).compose(reply -> {
      if (McpProtocol.sessionGone(reply)) {
        return sessions.forget(session.idHash()).otherwiseEmpty().map(false);
      }
      if (reply instanceof Reply.Success) {
        sessions.heartbeaten(session);
      }
      return Future.succeededFuture(true);
    }).otherwise(true);
  }

  /**
   * Whether the answers may become a 404 because the coordinator session is gone: only when every
   * one of them was refused for it. A batch in which something was done keeps its answers (the
   * session is dropped all the same, so the next request hears 404): a client that re-initializes
   * on 404 resends what it sent, and must not do twice what was done.
   */
  static boolean endedSession(JsonArray answers) {
    return answers.stream().allMatch(answer -> answer instanceof JsonObject object && refusedForSession(object));
  }

  /** Whether a tool was refused because of the connection's coordinator session (say, ended elsewhere). */
  private static boolean refusedForSession(JsonObject answer) {
    JsonObject result = answer.getJsonObject("result");
    JsonObject error = result == null || !Boolean.TRUE.equals(result.getValue("isError")) ? null
        : result.getJsonObject("structuredContent", new JsonObject()).getJsonObject("error");
    JsonObject details = error == null ? null : error.getJsonObject("details");
    return details != null && SESSION_FIELD.equals(details.getValue("field"));
  }

  private Future<JsonObject> answer(Principal caller, McpSessions.Session session, JsonObject message) {
    Object id = JsonRpc.idOf(message);
    String requestId = "mcp-" + UUID.randomUUID();
    if (id != null) {
      sessions.started(session, id, requestId);
    }
    return protocol.answer(message, caller, session.coordinatorSession(), requestId)
        .otherwise(error -> JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "internal error"))
        .onComplete(done -> {
          if (id != null) {
            sessions.finished(session, id, requestId);
          }
        });
  }

  /**
   * {@code notifications/cancelled}: a request of this session that waits stops waiting, whichever
   * node runs it (the others are asked through the database). Its HTTP request still gets an
   * answer (the refusal of a cancelled wait), since HTTP has no way not to.
   */
  private void cancel(JsonObject notification, McpSessions.Session session) {
    JsonObject params = notification.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    Object cancelled = params.getValue("requestId");
    if (cancelled != null) {
      sessions.takeInFlight(session.key(), cancelled).ifPresentOrElse(this::cancelWaits,
          () -> sessions.announceCancel(session, cancelled));
    }
  }

  /**
   * Another node asked for a cancellation ({@link McpSessions#CANCEL_CHANNEL}, relayed on this
   * node only): the request stops waiting if it runs here.
   */
  public void cancelled(JsonObject notice) {
    String session = notice.getString("session");
    Object request = notice.getValue("request");
    if (session != null && request != null) {
      sessions.takeInFlight(session, request).ifPresent(this::cancelWaits);
    }
  }

  private void cancelWaits(McpSessions.InFlight request) {
    protocol.cancelWaits(request.agentId(), request.coordinatorSession(), request.requestId());
  }

  public void delete(RoutingContext context) {
    String sessionId = context.request().getHeader(SESSION_HEADER);
    if (sessionId == null) {
      reply(context, 400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "Mcp-Session-Id is required"));
      return;
    }
    Principal caller = principal.apply(context);
    sessions.close(sessionId, caller.id()).onComplete(closed -> {
      if (closed.failed()) {
        reply(context, 503, JsonRpc.error(null, JsonRpc.INTERNAL_ERROR, NO_DATABASE));
      } else if (closed.result().isEmpty()) {
        reply(context, 404, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "no such session"));
      } else {
        String coordinatorSession = closed.result().get().coordinatorSession();
        (coordinatorSession == null ? Future.<Object>succeededFuture()
            : protocol.endSession(caller, coordinatorSession).<Object>mapEmpty())
            .onComplete(ended -> context.response().setStatusCode(204).end());
      }
    });
  }

  /** A WebSocket upgrade starts a socket session; a plain GET gets 405 (no server-to-client stream here). */
  public void get(RoutingContext context) {
    String upgrade = context.request().getHeader("Upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
      Principal caller = principal.apply(context);
      // HARD-3: each socket is a coordinator session; refuse before the upgrade, with an HTTP answer.
      sessions.reserve(caller.id(), null).onComplete(reserved -> {
        if (reserved.failed()) {
          reply(context, 503, JsonRpc.error(null, JsonRpc.INTERNAL_ERROR, NO_DATABASE));
        } else if (reserved.result().isEmpty()) {
          reply(context, 429, tooMany(null, sessions.perAgent()));
        } else {
          upgrade(context, caller, reserved.result().get());
        }
      });
      return;
    }
    context.response().putHeader("Allow", "POST, DELETE");
    reply(context, 405, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "GET /mcp offers no event stream; POST messages"));
  }

  private void upgrade(RoutingContext context, Principal caller, McpSessions.Place place) {
    context.request().toWebSocket()
        .onSuccess(socket -> new McpWebSocket(context.vertx(), socket, caller, protocol, sessions, place, webSockets).start())
        .onFailure(error -> {
          sessions.forget(place.idHash());
          if (!context.response().ended()) {
            reply(context, 400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "the WebSocket handshake failed"));
          }
        });
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
