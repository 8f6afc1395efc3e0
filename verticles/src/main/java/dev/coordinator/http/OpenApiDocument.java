package dev.coordinator.http;

import dev.coordinator.api.ReplySchemas;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Health;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.schema.RecordSchema;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.session.SessionRequests;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.mcp.McpTools;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document served at {@code GET /openapi.json} (api.md §9). Request bodies and
 * query parameters come from the MCP tools' input schemas (the same field names, api.md §6),
 * success bodies from the reply records (ReplySchemas), errors from {@link ErrorCode}. Only the
 * routes that are not commands, and the two commands no tool has, are described by hand here.
 * OpenApiTest holds this list to HttpVerticle's router in both directions.
 */
final class OpenApiDocument {
  /** A command route as HttpVerticle registers it (path in the router's {@code :param} spelling). */
  record Endpoint(String method, String path, Class<? extends Command> command, int status) {
  }

  static final List<Endpoint> COMMANDS = List.of(
      new Endpoint("post", "/v1/locks/acquire", LockCommand.Acquire.class, 200),
      new Endpoint("post", "/v1/locks/release", LockCommand.Release.class, 200),
      new Endpoint("post", "/v1/locks/renew", LockCommand.Renew.class, 200),
      new Endpoint("post", "/v1/locks/validate", LockCommand.Validate.class, 200),
      new Endpoint("get", "/v1/locks", LockCommand.Check.class, 200),
      new Endpoint("post", "/v1/tasks", TaskCommand.Submit.class, 201),
      new Endpoint("post", "/v1/tasks/claim", TaskCommand.Claim.class, 200),
      new Endpoint("post", "/v1/tasks/:task/complete", TaskCommand.Complete.class, 200),
      new Endpoint("post", "/v1/tasks/:task/renew", TaskCommand.Renew.class, 200),
      new Endpoint("post", "/v1/tasks/:task/cancel", TaskCommand.Cancel.class, 200),
      new Endpoint("get", "/v1/tasks/:task", TaskCommand.Get.class, 200),
      new Endpoint("get", "/v1/tasks", TaskCommand.ListTasks.class, 200),
      new Endpoint("post", "/v1/sessions", SessionCommand.Register.class, 201),
      new Endpoint("post", "/v1/sessions/:session/heartbeat", SessionCommand.Heartbeat.class, 200),
      new Endpoint("delete", "/v1/sessions/:session", SessionCommand.End.class, 200),
      new Endpoint("get", "/v1/agents", SessionCommand.Discover.class, 200),
      new Endpoint("post", "/v1/handoffs", HandoffCommand.Write.class, 201),
      new Endpoint("get", "/v1/handoffs", HandoffCommand.Read.class, 200),
      new Endpoint("post", "/v1/memories", MemoryCommand.Remember.class, 201),
      new Endpoint("get", "/v1/memories", MemoryCommand.Recall.class, 200),
      new Endpoint("post", "/v1/policy/check", PolicyCommand.Check.class, 200),
      new Endpoint("post", "/v1/policy/validate", PolicyCommand.Validate.class, 200),
      new Endpoint("post", "/v1/policy/reload", PolicyCommand.Reload.class, 200),
      new Endpoint("post", "/v1/guardrails/check", PolicyCommand.CheckGuardrails.class, 200),
      new Endpoint("get", "/v1/profile", PolicyCommand.Profile.class, 200),
      new Endpoint("get", "/v1/audit", AuditCommand.Query.class, 200),
      new Endpoint("get", "/v1/audit/verify", AuditCommand.Verify.class, 200));

  /** Tool arguments whose query parameter is spelled in the singular, repeated (api.md §6). */
  private static final Map<String, String> QUERY_NAMES = Map.of("keys", "key", "tags", "tag");
  /** Tool arguments that REST carries elsewhere: the path, and the Idempotency-Key header. */
  private static final List<String> NOT_IN_BODY = List.of("task_id", "request_id");
  private static final Pattern PATH_PARAM = Pattern.compile(":([A-Za-z_]+)");
  private static final String JSON = "application/json";

  private OpenApiDocument() {
  }

  static JsonObject build() {
    McpTools tools = new McpTools();
    JsonObject paths = new JsonObject();
    for (Endpoint endpoint : COMMANDS) {
      operation(paths, endpoint.method(), endpoint.path(), commandOperation(endpoint, tools));
    }
    operation(paths, "get", "/health", open("health", "Whether the service and its database answer (no key).")
        .put("responses", new JsonObject().put("200", json("the database is up", Health.Status.schema()))
            .put("503", json("the database is down", Health.Status.schema()))));
    operation(paths, "get", "/metrics", open("metrics",
        "Prometheus text from Micrometer, for scrapers on this machine only unless --metrics-public (no key).")
        .put("responses", new JsonObject().put("200", text("Prometheus text format 0.0.4", "text/plain"))
            .put("404", errorRef(404))));
    operation(paths, "get", "/", open("dashboard", "The live dashboard's page (no key; the page asks for one).")
        .put("responses", new JsonObject().put("200", text("the page", "text/html"))));
    // The router serves the folder (/dashboard/*); OpenAPI has no wildcard, so the file is a parameter.
    operation(paths, "get", "/dashboard/{file}", open("dashboard_file", "The dashboard's script and style sheet.")
        .put("x-router-path", "/dashboard/*")
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "file").put("in", "path").put("required", true)
            .put("schema", new JsonObject().put("type", "string"))))
        .put("responses", new JsonObject().put("200", text("the file", "text/css")).put("404", errorRef(404))));
    operation(paths, "get", "/v1/events", new JsonObject().put("operationId", "events")
        .put("summary", "Server push for the dashboard: event ready, then changed with the reasons, as they happen.")
        .put("responses", errors().put("200", text("a text/event-stream that stays open", "text/event-stream"))));
    operation(paths, "get", "/openapi.json", open("openapi", "This document (no key).")
        .put("responses", new JsonObject().put("200", json("the OpenAPI 3.1 document", new JsonObject().put("type", "object")))));
    operation(paths, "post", "/mcp", mcp("mcp_post", "MCP over Streamable HTTP: one JSON-RPC message (api.md §6).")
        .put("requestBody", new JsonObject().put("required", true).put("content", new JsonObject().put(JSON,
            new JsonObject().put("schema", jsonRpc()))))
        .put("responses", mcpErrors().put("200", json("the JSON-RPC response", jsonRpc()))
            .put("202", new JsonObject().put("description", "a notification or client response was accepted"))));
    operation(paths, "get", "/mcp", mcp("mcp_websocket", "MCP over WebSocket (Upgrade: websocket, subprotocol mcp);"
        + " without an upgrade the answer is 405.").put("responses", mcpErrors()
        .put("101", new JsonObject().put("description", "switched to WebSocket: one JSON-RPC message per text frame"))));
    operation(paths, "delete", "/mcp", mcp("mcp_delete", "Ends the Streamable HTTP session named by Mcp-Session-Id.")
        .put("responses", mcpErrors().put("204", new JsonObject().put("description", "the session is ended"))));
    return new JsonObject()
        .put("openapi", "3.1.0")
        .put("info", new JsonObject().put("title", "Coordinator API").put("version", "1")
            .put("description", "Locks, a work queue, handoffs, memories and sessions for coding agents; every"
                + " request is decided by the policy and audited. Errors have the body of api.md §3."))
        .put("security", new JsonArray().add(new JsonObject().put("bearer", new JsonArray())))
        .put("paths", paths)
        .put("components", new JsonObject()
            .put("securitySchemes", new JsonObject().put("bearer", new JsonObject().put("type", "http")
                .put("scheme", "bearer").put("description", "the agent's key (agents file); it alone says who calls")))
            .put("schemas", new JsonObject().put("Error", errorSchema()).put("JsonRpcError", jsonRpcErrorSchema()))
            .put("responses", errorResponses()));
  }

  /** The router's spelling of an OpenAPI path: {@code /v1/tasks/{task}} is {@code /v1/tasks/:task}. */
  static String routerPath(String openApiPath) {
    return openApiPath.replaceAll("\\{([A-Za-z_]+)}", ":$1");
  }

  private static String openApiPath(String routerPath) {
    return PATH_PARAM.matcher(routerPath).replaceAll("{$1}");
  }

  private static void operation(JsonObject paths, String method, String routerPath, JsonObject operation) {
    String path = openApiPath(routerPath);
    JsonObject item = paths.getJsonObject(path);
    if (item == null) {
      item = new JsonObject();
      paths.put(path, item);
    }
    item.put(method, operation);
  }

  private static JsonObject commandOperation(Endpoint endpoint, McpTools tools) {
    String action = Commands.action(endpoint.command()).value();
    JsonObject input = tools.inputSchema(action).orElseGet(() -> restOnlyBody(endpoint.command()));
    JsonArray parameters = pathParameters(endpoint.path());
    JsonObject operation = new JsonObject().put("operationId", action).put("summary", "policy action " + action);
    if (endpoint.method().equals("get")) {
      queryParameters(input, parameters);
    } else if (input != null) {
      operation.put("requestBody", new JsonObject().put("required", false).put("content",
          new JsonObject().put(JSON, new JsonObject().put("schema", body(input)))));
    }
    if (Commands.action(endpoint.command()).mutates()) {
      parameters.add(new JsonObject().put("name", RequestParts.IDEMPOTENCY_HEADER).put("in", "header")
          .put("description", "a repeat with the same key returns the first outcome (api.md §4)")
          .put("schema", new JsonObject().put("type", "string").put("maxLength", 128)));
    }
    parameters.add(new JsonObject().put("name", RequestParts.SESSION_HEADER).put("in", "header")
        .put("description", "the caller's coordinator session, to bind the request to it")
        .put("schema", new JsonObject().put("type", "string").put("format", "uuid")));
    return operation.put("parameters", parameters).put("responses", errors().put(String.valueOf(endpoint.status()),
        json("success", ReplySchemas.of(endpoint.command()))));
  }

  /** The body of the two commands no MCP tool has (an MCP connection is its own session; reload is for admins). */
  private static JsonObject restOnlyBody(Class<? extends Command> command) {
    if (command == SessionCommand.Register.class) {
      return new JsonObject().put("type", "object").put("additionalProperties", false).put("properties", new JsonObject()
          .put("capabilities", new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "string")))
          .put("current_task", new JsonObject().put("type", "string")
              .put("maxLength", SessionRequests.MAX_CURRENT_TASK)));
    }
    if (command == PolicyCommand.Reload.class) {
      return new JsonObject().put("type", "object").put("additionalProperties", false)
          .put("properties", new JsonObject());
    }
    return null;
  }

  private static JsonObject body(JsonObject input) {
    JsonObject body = input.copy();
    NOT_IN_BODY.forEach(body.getJsonObject("properties")::remove);
    JsonArray required = body.getJsonArray("required");
    if (required != null) {
      NOT_IN_BODY.forEach(required::remove);
    }
    return body;
  }

  private static void queryParameters(JsonObject input, JsonArray parameters) {
    if (input == null) {
      return;
    }
    input.getJsonObject("properties").forEach(property -> {
      if (NOT_IN_BODY.contains(property.getKey())) {
        return;
      }
      JsonObject schema = (JsonObject) property.getValue();
      JsonObject parameter = new JsonObject().put("name", QUERY_NAMES.getOrDefault(property.getKey(), property.getKey()))
          .put("in", "query").put("required", false).put("schema", schema);
      if ("array".equals(schema.getString("type"))) {
        parameter.put("style", "form").put("explode", true);
      }
      parameters.add(parameter);
    });
  }

  private static JsonArray pathParameters(String routerPath) {
    JsonArray parameters = new JsonArray();
    Matcher matcher = PATH_PARAM.matcher(routerPath);
    while (matcher.find()) {
      parameters.add(new JsonObject().put("name", matcher.group(1)).put("in", "path").put("required", true)
          .put("schema", new JsonObject().put("type", "string").put("format", "uuid")));
    }
    return parameters;
  }

  /** A JSON-RPC message, or (protocol 2025-03-26 only) a batch of them. */
  private static JsonObject jsonRpc() {
    return new JsonObject().put("oneOf", new JsonArray().add(new JsonObject().put("type", "object"))
        .add(new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "object"))));
  }

  private static JsonObject open(String operationId, String summary) {
    return new JsonObject().put("operationId", operationId).put("summary", summary).put("security", new JsonArray());
  }

  private static JsonObject mcp(String operationId, String summary) {
    return new JsonObject().put("operationId", operationId).put("summary", summary);
  }

  private static JsonObject text(String description, String mediaType) {
    return new JsonObject().put("description", description).put("content", new JsonObject().put(mediaType,
        new JsonObject().put("schema", new JsonObject().put("type", "string"))));
  }

  private static JsonObject json(String description, JsonObject schema) {
    return new JsonObject().put("description", description)
        .put("content", new JsonObject().put(JSON, new JsonObject().put("schema", schema)));
  }

  /** Every error status any route may answer, each a reference to the shared error response. */
  private static JsonObject errors() {
    JsonObject responses = new JsonObject();
    statuses().keySet().forEach(status -> responses.put(String.valueOf(status), errorRef(status)));
    return responses;
  }

  /**
   * The MCP endpoint's errors: the api.md §3 body when the key or host is refused before MCP is
   * reached, a JSON-RPC error once it is (a wrong method, an unknown or ended session).
   */
  private static JsonObject mcpErrors() {
    JsonObject either = new JsonObject().put("oneOf", new JsonArray()
        .add(new JsonObject().put("$ref", "#/components/schemas/Error"))
        .add(new JsonObject().put("$ref", "#/components/schemas/JsonRpcError")));
    JsonObject responses = new JsonObject();
    statuses().forEach((status, codes) -> responses.put(String.valueOf(status),
        json(String.join(", ", codes) + ", or a JSON-RPC error", either)));
    return responses;
  }

  private static JsonObject jsonRpcErrorSchema() {
    JsonObject error = new JsonObject().put("type", "object").put("required", new JsonArray().add("code").add("message"))
        .put("properties", new JsonObject().put("code", new JsonObject().put("type", "integer"))
            .put("message", new JsonObject().put("type", "string")).put("data", new JsonObject()));
    return new JsonObject().put("type", "object").put("required", new JsonArray().add("jsonrpc").add("error"))
        .put("properties", new JsonObject().put("jsonrpc", new JsonObject().put("const", "2.0"))
            .put("id", new JsonObject().put("type", new JsonArray().add("string").add("integer").add("null")))
            .put("error", error));
  }

  private static JsonObject errorRef(int status) {
    return new JsonObject().put("$ref", "#/components/responses/Error" + status);
  }

  private static JsonObject errorResponses() {
    JsonObject responses = new JsonObject();
    statuses().forEach((status, codes) -> responses.put("Error" + status,
        json(String.join(", ", codes), new JsonObject().put("$ref", "#/components/schemas/Error"))));
    return responses;
  }

  private static Map<Integer, List<String>> statuses() {
    Map<Integer, List<String>> statuses = new TreeMap<>();
    Arrays.stream(ErrorCode.values()).forEach(code -> statuses.computeIfAbsent(code.httpStatus(),
        status -> new ArrayList<>()).add(code.name()));
    return statuses;
  }

  /** The error body of api.md §3. */
  private static JsonObject errorSchema() {
    JsonArray codes = new JsonArray(Arrays.stream(ErrorCode.values()).map(ErrorCode::name).toList());
    JsonObject error = RecordSchema.object(new JsonObject()
            .put("code", new JsonObject().put("type", "string").put("enum", codes))
            .put("message", new JsonObject().put("type", "string"))
            .put("details", new JsonObject().put("type", "object")),
        new JsonArray().add("code").add("message").add("details"));
    return RecordSchema.object(new JsonObject().put("error", error), new JsonArray().add("error"));
  }
}
