package dev.coordinator.mcp;

import dev.coordinator.bus.StrictJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** JSON-RPC 2.0 messages and the error codes MCP uses. */
final class JsonRpc {
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  /** Implementation-defined (JSON-RPC's -32000..-32099): the agent holds as many MCP sessions as it may. */
  static final int TOO_MANY_SESSIONS = -32000;

  private JsonRpc() {
  }

  /**
   * What was read off the wire: one valid message, a batch (its entries still to be checked one
   * by one with {@link #check}), or the answer to send (and nothing else to do).
   */
  record Parsed(JsonObject message, JsonArray batch, JsonObject error) {
    /** A refused tool call is answered as a tool result, which is a 200 like every tool result. */
    int httpStatus() {
      return error != null && error.containsKey("result") ? 200 : 400;
    }
  }

  /** The most messages one batch may carry. */
  static final int MAX_BATCH = 32;
  /** The one protocol version that has JSON-RPC batches: 2025-06-18 removed them. */
  static final String BATCH_VERSION = "2025-03-26";

  /**
   * Parses one message or a batch under {@link dev.coordinator.bus.JsonLimits}: not JSON is -32700
   * (id null), an invalid message -32600; a tool argument over the limits is the tool's
   * VALIDATION_FAILED result.
   */
  static Parsed parse(io.vertx.core.buffer.Buffer text, String unit) {
    Object parsed;
    try {
      parsed = StrictJson.decode(text);
    } catch (StrictJson.Refused e) {
      return refused(e, unit);
    }
    return parsed instanceof JsonArray batch ? new Parsed(null, batch, null) : check(parsed);
  }

  /** One message, alone or from a batch: valid, or the error to answer for it. */
  static Parsed check(Object parsed) {
    if (!(parsed instanceof JsonObject message)) {
      return new Parsed(null, null, error(null, INVALID_REQUEST, "a JSON-RPC message is a JSON object"));
    }
    String invalid = invalid(message);
    return invalid == null
        ? new Parsed(message, null, null)
        : new Parsed(null, null, error(idOf(message), INVALID_REQUEST, invalid));
  }

  /**
   * Why a session speaking {@code version} cannot take {@code batch} as a whole, or null: only
   * 2025-03-26 has batches (its servers must accept them), an empty one is invalid, a long one
   * too many messages at once.
   */
  static String batchProblem(JsonArray batch, String version) {
    if (!BATCH_VERSION.equals(version)) {
      return "JSON-RPC batches are not part of MCP " + version + " (only " + BATCH_VERSION
          + " has them); send one message at a time";
    }
    if (batch.isEmpty()) {
      return "an empty batch";
    }
    return batch.size() > MAX_BATCH ? "at most " + MAX_BATCH + " messages per batch, not " + batch.size() : null;
  }

  /** Answers what was read before the refusal: its id, and for a tool's argument the tool's own error. */
  private static Parsed refused(StrictJson.Refused refused, String unit) {
    List<String> path = refused.path();
    if (path.isEmpty()) {
      return new Parsed(null, null, error(null, PARSE_ERROR, "the " + unit + " is not valid JSON"));
    }
    JsonObject partial = refused.partial() instanceof JsonObject object ? object : new JsonObject();
    Object id = idOf(partial);
    if (id != null && "tools/call".equals(partial.getValue("method")) && path.size() > 2
        && path.get(0).equals("params") && path.get(1).equals("arguments")) {
      return new Parsed(null, null, result(id, McpProtocol.toolResult(refused.asInvalid(path.get(2)).failure())));
    }
    return new Parsed(null, null, error(id, path.get(0).equals("params") ? INVALID_PARAMS : INVALID_REQUEST, refused.getMessage()));
  }

  /** The id to echo: the message's, if it is a string or a number. */
  static Object idOf(JsonObject message) {
    Object id = message.getValue("id");
    return id instanceof String || id instanceof Number ? id : null;
  }

  /** {@code id} is echoed exactly as it came (string or number), or null when it could not be read. */
  static JsonObject result(Object id, JsonObject result) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
  }

  static JsonObject error(Object id, int code, String message) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  /** A request has a method and an id; a notification has a method and no id. */
  static boolean isRequest(JsonObject message) {
    return message.containsKey("id") && message.containsKey("method");
  }

  static boolean isNotification(JsonObject message) {
    return !message.containsKey("id") && message.containsKey("method");
  }

  /** A client's answer to something the server asked: accepted, never answered. */
  static boolean isResponse(JsonObject message) {
    return !message.containsKey("method") && (message.containsKey("result") || message.containsKey("error"));
  }

  /** Why a message is not a valid JSON-RPC 2.0 message, or null. */
  static String invalid(JsonObject message) {
    if (!"2.0".equals(message.getValue("jsonrpc"))) {
      return "jsonrpc must be \"2.0\"";
    }
    Object id = message.getValue("id");
    if (message.containsKey("id") && !(id instanceof String || id instanceof Number)) {
      return "id must be a string or a number";
    }
    Object method = message.getValue("method");
    if (message.containsKey("method") && !(method instanceof String)) {
      return "method must be a string";
    }
    if (!message.containsKey("method") && !isResponse(message)) {
      return "a message needs a method";
    }
    return null;
  }
}
