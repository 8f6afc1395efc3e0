package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.coordinator.agent.ApiKeys;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * OPS-2, SEC: the service's log lines are JSON objects, one per line, and a request's line says
 * who did what with which outcome and how long it took; no line carries an API key, a key's hash
 * or a task's input, whatever the request was (good, refused, unauthenticated, over MCP).
 */
class LogsKeepSecretsTest {
  @Test
  @DisplayName("OPS-2: request lines carry request id, agent, action, outcome, duration and no key, hash or task input")
  void requestLinesAreJsonWithoutSecrets() {
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger requests = logging.getLogger(RequestLog.class);
    Level quiet = requests.getLevel();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    OutputStreamAppender<ILoggingEvent> capture = new OutputStreamAppender<>();
    capture.setContext(logging);
    // The encoder the service's own configuration built, so the test reads what an operator would.
    capture.setEncoder(((OutputStreamAppender<ILoggingEvent>) ((AsyncAppender) root.getAppender("async"))
        .getAppender("json")).getEncoder());
    capture.setOutputStream(captured);
    capture.start();
    root.addAppender(capture);
    requests.setLevel(Level.INFO);
    String input = "secret-input-" + UUID.randomUUID();
    List<String> keys;
    String lastRequest;
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String alice = service.agent("log-alice", "claude_code", 2);
      String bob = service.agent("log-bob", "claude_code", 2);
      String wrong = ApiKeys.generate();
      keys = List.of(alice, bob, wrong);

      assertEquals(200, http.post("/v1/locks/acquire", alice, new JsonObject().put("key", "logs/a.py")).status());
      assertEquals(409, http.post("/v1/locks/acquire", bob, new JsonObject().put("key", "logs/a.py")).status());
      assertEquals(401, http.get("/v1/locks", wrong).status());
      assertEquals(201, http.post("/v1/tasks", alice, new JsonObject().put("task_type", "logs").put("description", "d")
          .put("input", new JsonObject().put("text", input))).status());
      Http.Response claimed = http.post("/v1/tasks/claim", bob, new JsonObject().put("task_types", new JsonArray().add("logs")));
      assertEquals(200, claimed.status(), claimed::toString);
      JsonObject task = claimed.json().getJsonObject("task");
      assertEquals(400, http.post("/v1/tasks", alice, new JsonObject().put("task_type", "logs").put("input", input)
          .put("no_such_field", input)).status(), "a refused submit, its input in the body");
      JsonObject initialize = new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
          .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
              .put("clientInfo", new JsonObject().put("name", input).put("version", "1")));
      assertEquals(200, http.send("POST", "/mcp", alice, initialize.encode(),
          "Accept", "application/json, text/event-stream").status());
      Http.Response completed = http.post("/v1/tasks/" + task.getString("id") + "/complete", bob, new JsonObject()
          .put("claim_token", task.getString("claim_token")).put("success", true).put("result", input));
      assertEquals(200, completed.status(), completed::toString);
      lastRequest = completed.header("X-Request-Id").orElseThrow();
      Await.until("the completion's request line is written",
          () -> captured.toString(StandardCharsets.UTF_8).contains(lastRequest));
    } finally {
      requests.setLevel(quiet);
      root.detachAppender(capture);
      capture.stop();
    }

    String logs = captured.toString(StandardCharsets.UTF_8);
    List<JsonObject> lines = logs.lines().map(JsonObject::new).toList();
    JsonObject completion = lines.stream().filter(line -> line.encode().contains(lastRequest)).findFirst().orElseThrow();
    JsonObject fields = new JsonObject();
    completion.getJsonArray("kvpList").forEach(pair -> fields.mergeIn((JsonObject) pair));
    assertEquals("log-bob", fields.getString("agent"), completion::encode);
    assertEquals("complete_work", fields.getString("action"), completion::encode);
    assertEquals("ok", fields.getString("outcome"), completion::encode);
    assertTrue(fields.containsKey("duration_ms"), completion::encode);
    assertTrue(lines.stream().anyMatch(line -> line.encode().contains("{\"outcome\":\"lock_held\"}")),
        "the refused acquire's line has its error code: " + logs);

    for (String key : keys) {
      byte[] hash = ApiKeys.hash(key);
      for (String secret : List.of(key, key.substring(3), HexFormat.of().formatHex(hash),
          Base64.getEncoder().encodeToString(hash), Base64.getUrlEncoder().withoutPadding().encodeToString(hash))) {
        assertFalse(logs.contains(secret), "a key or its hash is in the logs: " + secret);
      }
    }
    assertFalse(logs.contains(input), "a task's input is in the logs");
  }
}
