package dev.coordinator.mcp;

import dev.coordinator.bus.Command;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.Refusal;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.http.PolicyClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The MCP methods, transport aside: initialize, ping, tools/list and tools/call. A tool call
 * becomes the same typed command as its REST twin and goes through the same policy verticle.
 */
public final class McpProtocol {
  static final String PREFERRED_VERSION = "2025-11-25";
  static final List<String> VERSIONS = List.of(PREFERRED_VERSION, "2025-06-18", "2025-03-26");
  private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]{1,128}");
  static final String INSTRUCTIONS = """
      The coordinator lets many agents work on one codebase without stepping on each other.
      - Before changing a file, acquire_lock on its repo-relative path (or a logical key such as db:users);
        keep the fencing_token and pass it to whatever you write; release_lock when done; renew_lock if you
        need longer than ttl_seconds. LOCK_HELD names the holder: wait (wait_ms) or work on something else.
      - Shared work: get_work claims the most urgent task with a claim_token and a lease; complete_work with
        that token before the lease ends (renew_claim to extend). STALE_CLAIM means your claim lapsed and your
        result does not count.
      - Leave write_handoff notes when you stop; read_handoff to pick up where someone left off; remember and
        recall lessons.
      - Everything you do is checked against your trust and recorded in the audit trail. check_policy tells you
        beforehand whether an action is allowed; check_guardrails whether a command is considered destructive.""";

  private final McpTools tools = new McpTools();
  private final EventBus bus;
  private final long heartbeatMs;

  /** {@code heartbeatMs}: how often a connection heartbeats its coordinator session (a third of the timeout). */
  public McpProtocol(EventBus bus, long heartbeatMs) {
    this.bus = bus;
    this.heartbeatMs = heartbeatMs;
  }

  long heartbeatMs() {
    return heartbeatMs;
  }

  /** The version to speak: the client's, if this server knows it, else the preferred one. */
  static String negotiate(JsonObject params) {
    Object requested = params == null ? null : params.getValue("protocolVersion");
    return requested instanceof String version && VERSIONS.contains(version) ? version : PREFERRED_VERSION;
  }

  static JsonObject initializeResult(String version) {
    return new JsonObject().put("protocolVersion", version)
        .put("capabilities", new JsonObject().put("tools", new JsonObject().put("listChanged", false)))
        .put("serverInfo", new JsonObject().put("name", "coordinator").put("version", "0.1.0"))
        .put("instructions", INSTRUCTIONS);
  }

  /**
   * Answers a request (never a notification) of an initialized session; {@code session} is the
   * coordinator session the connection works in (null if the caller may not hold one).
   */
  Future<JsonObject> answer(JsonObject request, Principal caller, String session) {
    return answer(request, caller, session, "mcp-" + UUID.randomUUID());
  }

  /** As above, the command carrying {@code requestId}, by which it can be cancelled while it waits. */
  Future<JsonObject> answer(JsonObject request, Principal caller, String session, String requestId) {
    Object id = request.getValue("id");
    JsonObject params = request.getValue("params") instanceof JsonObject object ? object : new JsonObject();
    return switch (request.getString("method")) {
      case "ping" -> Future.succeededFuture(JsonRpc.result(id, new JsonObject()));
      case "tools/list" -> Future.succeededFuture(JsonRpc.result(id, new JsonObject()
          .put("tools", new JsonArray(tools.all().stream().map(McpTool::toJson).toList()))));
      case "tools/call" -> call(id, params, caller, session, requestId);
      case "initialize" -> Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "the session is already initialized"));
      default -> Future.succeededFuture(JsonRpc.error(id, JsonRpc.METHOD_NOT_FOUND, "no method " + request.getString("method")));
    };
  }

  private Future<JsonObject> call(Object id, JsonObject params, Principal caller, String session, String requestId) {
    String name = params.getValue("name") instanceof String text ? text : null;
    McpTool tool = name == null ? null : tools.named(name).orElse(null);
    if (tool == null) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "no tool " + name));
    }
    Object rawArguments = params.getValue("arguments");
    if (rawArguments != null && !(rawArguments instanceof JsonObject)) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "arguments must be an object"));
    }
    JsonObject arguments = rawArguments == null ? new JsonObject() : ((JsonObject) rawArguments).copy();
    Envelope envelope;
    try {
      envelope = envelope(tool, arguments, caller.id(), session, requestId);
    } catch (CoordinatorException refused) {
      return PolicyClient.refuse(bus, new Refusal(caller.id(), session, requestId, tool.name(), refused.failure()))
          .map(reply -> JsonRpc.result(id, toolResult(reply)));
    }
    return PolicyClient.send(bus, envelope).map(reply -> JsonRpc.result(id, toolResult(reply)));
  }

  /**
   * The command a tool call's own copy of {@code arguments} asks for (its {@code request_id} is taken out as the
   * idempotency key); {@code VALIDATION_FAILED} when they are wrong. No I/O, so that it can be fuzzed alone.
   */
  static Envelope envelope(McpTool tool, JsonObject arguments, String caller, String session, String requestId) {
    String idempotencyKey = idempotencyKey(arguments.remove(McpTools.REQUEST_ID));
    Command command = tool.name().equals(McpTools.HEARTBEAT)
        ? McpTools.heartbeat(session, arguments)
        : tool.command().apply(arguments);
    return new Envelope(caller, session, requestId, idempotencyKey, command);
  }

  /**
   * Opens the coordinator session an MCP connection works in: its locks and claims are released
   * when it ends or falls silent. Null when the caller may not hold sessions (below write trust).
   */
  Future<String> openSession(Principal caller) {
    Envelope register = new Envelope(caller.id(), null, "mcp-" + UUID.randomUUID(), null,
        new SessionCommand.Register(List.of("mcp"), null));
    return PolicyClient.send(bus, register).map(reply -> reply instanceof Reply.Success success
        ? success.payload().toJson().getJsonObject("session").getString("id")
        : null);
  }

  /** Stops the agent's waits (an acquire in line, a claim waiting for work) of request {@code requestId}. */
  void cancelWaits(String agentId, String session, String requestId) {
    PolicyClient.cancelWaits(bus, agentId, session, requestId);
  }

  /** Keeps a connection's coordinator session alive: an implicit heartbeat, not audited one by one. */
  Future<Reply> heartbeat(Principal caller, String session) {
    return PolicyClient.send(bus, new Envelope(caller.id(), null, "mcp-" + UUID.randomUUID(), null,
        new SessionCommand.Heartbeat(session, null, true)));
  }

  /** Whether a heartbeat's reply says the coordinator session is gone (ended, reaped, or never the caller's). */
  static boolean sessionGone(Reply heartbeat) {
    return heartbeat instanceof Reply.Failure failure
        && (failure.code() == ErrorCode.NOT_FOUND || failure.code() == ErrorCode.INVALID_STATE);
  }

  /** Ends a connection's coordinator session: its locks are released and its claims requeued now. */
  Future<Reply> endSession(Principal caller, String session) {
    return PolicyClient.send(bus, new Envelope(caller.id(), null, "mcp-" + UUID.randomUUID(), null,
        new SessionCommand.End(session)));
  }

  private static String idempotencyKey(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || !VISIBLE_ASCII.matcher(text).matches()) {
      throw CoordinatorException.invalid(McpTools.REQUEST_ID, "request_id must be 1 to 128 visible ASCII characters");
    }
    return text;
  }

  /** The REST body as structured content and as text; failures are results with isError. */
  static JsonObject toolResult(Reply reply) {
    JsonObject body = reply instanceof Reply.Failure failure ? failure.toJson() : ((Reply.Success) reply).payload().toJson();
    return new JsonObject()
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", body.encode())))
        .put("structuredContent", body)
        .put("isError", reply instanceof Reply.Failure);
  }
}
