package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coordinator.mcp.McpSessions;
import dev.coordinator.metrics.Metrics;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OPS-2: {@code GET /openapi.json} (api.md §9) is a valid OpenAPI 3.1 document that names exactly
 * the routes HttpVerticle's router serves, and the real answers of a live service, successes and
 * errors, conform to it (checked by vertx-openapi's response validator, not by hand).
 */
class OpenApiTest {
  @RegisterExtension
  static final RunningService service = new RunningService();

  private static JsonObject document;
  private static OpenAPIContract contract;

  @BeforeAll
  static void load() throws Exception {
    Http.Response response = service.http().get("/openapi.json", null);
    assertEquals(200, response.status(), response.toString());
    document = response.json();
    // Parsing validates the document against the OpenAPI 3.1 meta-schema and resolves every $ref.
    contract = await(OpenAPIContract.from(service.vertx(), withJsonAndTextOnly(document.copy())));
  }

  /** A route's path as registered: Vert.x reports a folder route ({@code /dashboard/*}) by its prefix. */
  private static String routerPath(Route route) {
    String path = route.getPath();
    return path.length() > 1 && path.endsWith("/") ? path + "*" : path;
  }

  /**
   * vertx-openapi 5.0 refuses a contract with media types it cannot validate (text/html, text/css,
   * text/event-stream: the dashboard and its event stream). Those answers are left to Checked, which
   * holds them to their documented status and media type; everything else goes to vertx-openapi.
   */
  private static JsonObject withJsonAndTextOnly(JsonObject document) {
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(operation ->
        ((JsonObject) operation.getValue()).getJsonObject("responses").forEach(response -> {
          JsonObject content = ((JsonObject) response.getValue()).getJsonObject("content");
          if (content != null) {
            content.fieldNames().removeIf(type -> !type.equals("application/json") && !type.equals("text/plain"));
          }
        })));
    return document;
  }

  @Test
  @DisplayName("OPS-2: the document names every route of the router, and no route the router lacks")
  void documentMatchesTheRouterBothWays() throws Exception {
    // A second HTTP verticle only to list its router: it serves no request, so its MCP sessions need no pool.
    HttpVerticle verticle = new HttpVerticle(service.service().config().withHttpPort(0),
        new McpSessions(null, 1, 60_000), new Metrics(), new AuthThrottle());
    String deployment = await(service.vertx().deployVerticle(verticle));
    Set<String> routed;
    try {
      routed = verticle.routes().stream().filter(route -> route.methods() != null && route.getPath() != null)
          .flatMap(route -> route.methods().stream().map(method -> method.name() + " " + routerPath(route)))
          .collect(Collectors.toCollection(TreeSet::new));
    } finally {
      await(service.vertx().undeploy(deployment));
    }
    Set<String> documented = new TreeSet<>();
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(method ->
        documented.add(method.getKey().toUpperCase() + " " + ((JsonObject) method.getValue()).getString("x-router-path",
            path.getKey().replaceAll("\\{([A-Za-z_]+)}", ":$1")))));
    assertEquals(routed, documented, "routes of HttpVerticle vs paths of /openapi.json");
  }

  @Test
  @DisplayName("OPS-2: real answers of every documented operation, successes and errors, conform to the document")
  void realResponsesConform() throws Exception {
    Http http = service.http();
    String key = service.agent("openapi-a", "operator", 3);
    String other = service.agent("openapi-b", "operator", 3);
    Checked checked = new Checked(http);
    checked.send("GET", "/health", null, null);
    checked.send("GET", "/openapi.json", null, null);
    checked.send("GET", "/metrics", null, null);
    checked.send("GET", "/", null, null);
    checked.send("GET", "/dashboard/dashboard.css", null, null);
    checked.send("GET", "/dashboard/none.js", null, null);
    // The stream stays open, so only its refusal is read here (EventStreamTest reads the stream).
    checked.send("GET", "/v1/events", null, null);

    String session = checked.send("POST", "/v1/sessions", key, new JsonObject().put("capabilities", new JsonArray().add("java")))
        .getJsonObject("session").getString("id");
    checked.send("POST", "/v1/sessions/" + session + "/heartbeat", key, new JsonObject().put("current_task", "openapi"));
    long token = checked.send("POST", "/v1/locks/acquire", key, new JsonObject().put("key", "src/openapi.py").put("reason", "r"))
        .getJsonObject("lock").getLong("fencing_token");
    checked.send("POST", "/v1/locks/acquire", other, new JsonObject().put("key", "src/openapi.py"));
    checked.send("GET", "/v1/locks?key=src/openapi.py&key=src/none.py", key, null);
    checked.send("POST", "/v1/locks/validate", key, new JsonObject().put("key", "src/openapi.py").put("fencing_token", token));
    checked.send("POST", "/v1/locks/renew", key, new JsonObject().put("key", "src/openapi.py").put("fencing_token", token));
    checked.send("POST", "/v1/locks/release", key, new JsonObject().put("key", "src/openapi.py"));
    checked.send("POST", "/v1/locks/validate", key, new JsonObject().put("key", "src/openapi.py").put("fencing_token", token));

    String task = checked.send("POST", "/v1/tasks", key, new JsonObject().put("task_type", "openapi").put("description", "d")
        .put("input", new JsonObject().put("file", "a.py"))).getJsonObject("task").getString("id");
    String claim = checked.send("POST", "/v1/tasks/claim", key, new JsonObject().put("task_types", new JsonArray().add("openapi")))
        .getJsonObject("task").getString("claim_token");
    checked.send("POST", "/v1/tasks/claim", key, new JsonObject().put("task_types", new JsonArray().add("openapi-none")));
    checked.send("POST", "/v1/tasks/" + task + "/renew", key, new JsonObject().put("claim_token", claim));
    checked.send("POST", "/v1/tasks/" + task + "/complete", key, new JsonObject().put("claim_token", claim)
        .put("success", true).put("result", new JsonArray().add(1).add("two")));
    checked.send("GET", "/v1/tasks/" + task, key, null);
    checked.send("GET", "/v1/tasks/" + UUID.randomUUID(), key, null);
    checked.send("GET", "/v1/tasks?task_type=openapi&limit=5", key, null);
    String doomed = checked.send("POST", "/v1/tasks", key, new JsonObject().put("task_type", "openapi-x").put("description", "d"))
        .getJsonObject("task").getString("id");
    checked.send("POST", "/v1/tasks/" + doomed + "/cancel", key, new JsonObject().put("reason", "not needed"));

    checked.send("GET", "/v1/agents?status=active", key, null);
    checked.send("POST", "/v1/handoffs", key, new JsonObject().put("summary", "s").put("next_steps", new JsonArray().add("n")));
    checked.send("GET", "/v1/handoffs", key, null);
    checked.send("POST", "/v1/memories", key, new JsonObject().put("event_type", "openapi").put("summary", "s")
        .put("tags", new JsonArray().add("t")));
    checked.send("GET", "/v1/memories?tag=t", key, null);
    checked.send("POST", "/v1/policy/check", key, new JsonObject().put("action", "acquire_lock").put("resource", "src/a.py"));
    checked.send("POST", "/v1/policy/validate", key, new JsonObject().put("policy_text", "permit (principal, action, resource);"));
    checked.send("POST", "/v1/policy/reload", key, new JsonObject());
    checked.send("POST", "/v1/guardrails/check", key, new JsonObject().put("text", "rm -rf /"));
    checked.send("GET", "/v1/profile", key, null);
    checked.send("GET", "/v1/audit?limit=50", key, null);
    checked.send("GET", "/v1/audit/verify", key, null);
    checked.send("DELETE", "/v1/sessions/" + session, key, null);
    checked.send("POST", "/v1/locks/acquire", "not-a-key", new JsonObject().put("key", "src/openapi.py"));
    checked.send("POST", "/v1/locks/acquire", key, new JsonObject().put("key", "/etc/passwd"));

    String[] accept = {"Accept", "application/json, text/event-stream"};
    Http.Response init = checked.exchange("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 0)
        .put("method", "initialize").put("params", new JsonObject()), accept);
    String mcpSession = init.header("Mcp-Session-Id").orElseThrow();
    checked.exchange("GET", "/mcp", key, null);
    checked.exchange("DELETE", "/mcp", key, null, "Mcp-Session-Id", mcpSession);

    Set<String> operations = contract.operations().stream().map(Operation::getOperationId)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(operations, checked.operations, "operations whose real answer was validated");
  }

  /** Sends requests and validates each answer against the operation the contract finds for it. */
  private static final class Checked {
    private final Http http;
    private final ResponseValidator validator = ResponseValidator.create(service.vertx(), contract);
    final Set<String> operations = new TreeSet<>();

    Checked(Http http) {
      this.http = http;
    }

    JsonObject send(String method, String path, String key, JsonObject body) throws Exception {
      Http.Response response = exchange(method, path, key, body);
      return response.text().isEmpty() || !response.text().startsWith("{") ? null : response.json();
    }

    Http.Response exchange(String method, String path, String key, JsonObject body, String... headers) throws Exception {
      Http.Response response = http.send(method, path, key, body == null ? null : body.encode(), headers);
      Operation operation = contract.findOperation(path.split("\\?")[0], HttpMethod.valueOf(method));
      assertNotNull(operation, "no documented operation for " + method + " " + path);
      Map<String, String> single = response.headers().entrySet().stream().filter(header -> header.getKey() != null)
          .collect(Collectors.toMap(Map.Entry::getKey, header -> header.getValue().get(0)));
      String contentType = response.header("Content-Type").orElse(null);
      if (contentType != null && !contentType.startsWith("application/json")) {
        // vertx-openapi reads JSON bodies only: a text answer (Prometheus) must be a documented status and media type.
        JsonObject documented = document.getJsonObject("paths").getJsonObject(operation.getOpenAPIPath())
            .getJsonObject(method.toLowerCase()).getJsonObject("responses").getJsonObject(String.valueOf(response.status()));
        assertNotNull(documented, method + " " + path + " answered an undocumented " + response.status());
        assertNotNull(documented.getJsonObject("content").getJsonObject(contentType.split(";")[0]), contentType);
      } else {
        ValidatableResponse validatable = response.text().isEmpty() || contentType == null
            ? ValidatableResponse.create(response.status(), single)
            : ValidatableResponse.create(response.status(), single, Buffer.buffer(response.text()), contentType);
        try {
          await(validator.validate(validatable, operation.getOperationId()));
        } catch (Exception e) {
          fail(method + " " + path + " answered " + response.status() + " " + response.text()
              + ", which does not conform to /openapi.json: " + e.getMessage(), e);
        }
      }
      operations.add(operation.getOperationId());
      return response;
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
