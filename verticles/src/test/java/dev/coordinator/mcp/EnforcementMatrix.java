package dev.coordinator.mcp;

import dev.coordinator.bus.Commands;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.ValidRequests;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * ENF-1's matrix, for one service: sends every mutation through one entry point as one caller,
 * with valid arguments, and records every way the answer, the tables (a snapshot of all but the
 * audit trail's and the MCP transport's own bookkeeping, {@code mcp_sessions}, whose row a request
 * touches whatever its command) and the audit rows written differ from what is expected.
 */
final class EnforcementMatrix {
  private static final String[] UNCOMPARED_TABLES = {"audit_log", "audit_seals", "guardrail_violations", "mcp_sessions"};

  /** The ways in: REST, MCP over Streamable HTTP, MCP over WebSocket, MCP over the stdio bridge ({@code mcp-stdio}). */
  enum Entry { REST, MCP_HTTP, MCP_WS, MCP_STDIO }

  /** What one call should do: its error code (null for success), whether tables change, its one audit row. */
  record Expected(String code, boolean changes, String decision, String outcome) {
  }

  /** An answer: its error code, null when it succeeded. */
  private record Answer(String code, String text) {
  }

  /** One open connection of one caller. */
  private interface Door extends AutoCloseable {
    Answer send(Class<?> mutation, String action, ValidRequests.Fixture fixture);

    @Override
    default void close() {
    }
  }

  private final RunningService service;

  EnforcementMatrix(RunningService service) {
    this.service = service;
  }

  /** The mutations an entry point offers: all over REST; over MCP those with a tool (sessions and reload are REST only). */
  static List<Class<?>> mutations(Entry entry) {
    if (entry == Entry.REST) {
      return Commands.mutations();
    }
    Map<String, JsonObject> tools = ValidRequests.tools(new ValidRequests.Fixture("k", 1, "t", "c", "p", "s", "x"));
    return Commands.mutations().stream().filter(type -> tools.containsKey(Commands.action(type).value())).toList();
  }

  /**
   * Runs every mutation of {@code entry} as {@code agent} (whose key is {@code key}), each against
   * a fixture {@code fixtures} makes before the snapshot; returns what went otherwise than
   * {@code expectations} says of the action.
   */
  List<String> run(Entry entry, String agent, String key, Supplier<ValidRequests.Fixture> fixtures,
                   Function<String, Expected> expectations) {
    return run(entry, agent, key, mutations(entry), fixtures, expectations);
  }

  /** The same for {@code mutations} only. */
  List<String> run(Entry entry, String agent, String key, List<Class<?>> mutations,
                   Supplier<ValidRequests.Fixture> fixtures, Function<String, Expected> expectations) {
    List<String> failures = new ArrayList<>();
    try (Door door = open(entry, agent, key)) {
      for (Class<?> mutation : mutations) {
        String action = Commands.action(mutation).value();
        String what = entry + " " + agent + " " + action + ": ";
        Expected expected = expectations.apply(action);
        ValidRequests.Fixture fixture = fixtures.get();
        long lastAudit = ((Number) service.database().value("SELECT coalesce(max(id), 0) FROM audit_log")).longValue();
        Map<String, List<String>> before = service.database().snapshot(UNCOMPARED_TABLES);
        Answer answer = door.send(mutation, action, fixture);
        if (expected.code() == null ? answer.code() != null : !expected.code().equals(answer.code())) {
          failures.add(what + "answered " + answer.text());
        }
        Map<String, List<String>> after = service.database().snapshot(UNCOMPARED_TABLES);
        List<String> changed = before.keySet().stream().filter(table -> !before.get(table).equals(after.get(table))).toList();
        // Reloading changes the engine's policy set, not a table (MutationInventoryTest says so too).
        boolean changes = expected.changes() && !action.equals("reload_policies");
        if (changes == changed.isEmpty()) {
          failures.add(what + (changes ? "changed nothing" : "changed " + changed));
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("agent", agent);
        row.put("action", action);
        row.put("decision", expected.decision());
        row.put("outcome", expected.outcome());
        List<Map<String, Object>> audit = service.database().query(
            "SELECT agent, action, decision, outcome FROM audit_log WHERE id > ? ORDER BY id", lastAudit);
        if (!List.of(row).equals(audit)) {
          failures.add(what + "audited " + audit);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(entry + " " + agent, e);
    }
    return failures;
  }

  private Door open(Entry entry, String agent, String key) throws InterruptedException, IOException {
    return switch (entry) {
      case REST -> (mutation, action, fixture) -> {
        ValidRequests.Rest request = ValidRequests.rest(fixture).get(mutation);
        if (request == null) {
          throw new AssertionError("no valid REST request for " + action);
        }
        Http.Response response = request.send(service.http(), key);
        return new Answer(response.status() / 100 == 2 ? null
            : response.text().startsWith("{") ? response.errorCode() : "HTTP " + response.status(), response.toString());
      };
      case MCP_HTTP -> mcpOverHttp(agent, key);
      case MCP_WS -> mcpOverWebSocket(key);
      case MCP_STDIO -> mcpOverStdio(key);
    };
  }

  private Door mcpOverHttp(String agent, String key) {
    Http http = service.http();
    String accept = "application/json, text/event-stream";
    Http.Response init = http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0").put("id", 0)
        .put("method", "initialize").put("params", new JsonObject().put("protocolVersion", "2025-11-25")).encode(),
        "Accept", accept);
    String session = init.header("Mcp-Session-Id").orElseThrow(() -> new AssertionError(agent + " initialize: " + init));
    int[] ids = {1};
    return (mutation, action, fixture) -> answer(http.send("POST", "/mcp", key, new JsonObject().put("jsonrpc", "2.0")
        .put("id", ids[0]++).put("method", "tools/call").put("params", new JsonObject().put("name", action)
            .put("arguments", ValidRequests.tools(fixture).get(action))).encode(),
        "Accept", accept, "Mcp-Session-Id", session).json());
  }

  private Door mcpOverWebSocket(String key) throws InterruptedException {
    McpWebSocketTest.Socket socket = McpWebSocketTest.connect(service.port(), key, "mcp");
    McpWebSocketTest.initialize(socket);
    int[] ids = {1};
    return new Door() {
      @Override
      public Answer send(Class<?> mutation, String action, ValidRequests.Fixture fixture) {
        try {
          return answer(socket.call(ids[0]++, "tools/call", new JsonObject().put("name", action)
              .put("arguments", ValidRequests.tools(fixture).get(action))));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void close() {
        socket.webSocket.sendClose(1000, "done").join();
      }
    };
  }

  /** The bridge as {@code bin/coordinator mcp-stdio} runs it, its stdin and stdout in this process. */
  private Door mcpOverStdio(String key) throws IOException {
    StdioBridgeSessionTest.Stdin stdin = new StdioBridgeSessionTest.Stdin();
    PipedInputStream piped = new PipedInputStream(1 << 16);
    PrintStream stdout = new PrintStream(new PipedOutputStream(piped), true, StandardCharsets.UTF_8);
    BufferedReader answers = new BufferedReader(new InputStreamReader(piped, StandardCharsets.UTF_8));
    StdioBridge bridge = new StdioBridge(java.util.List.of(URI.create("http://127.0.0.1:" + service.port() + "/mcp")), key, stdout);
    Thread relay = new Thread(() -> {
      try {
        bridge.relay(stdin);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "stdio-bridge");
    relay.start();
    stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-11-25")).encode());
    answers.readLine();
    stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode());
    int[] ids = {1};
    return new Door() {
      @Override
      public Answer send(Class<?> mutation, String action, ValidRequests.Fixture fixture) {
        stdin.lines.add(new JsonObject().put("jsonrpc", "2.0").put("id", ids[0]++).put("method", "tools/call")
            .put("params", new JsonObject().put("name", action).put("arguments", ValidRequests.tools(fixture).get(action)))
            .encode());
        try {
          return answer(new JsonObject(answers.readLine()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() {
        stdin.lines.add(StdioBridgeSessionTest.END);
        try {
          relay.join(30_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  private static Answer answer(JsonObject reply) {
    JsonObject result = reply.getJsonObject("result");
    if (result == null) {
      return new Answer("JSON-RPC error", reply.encode());
    }
    if (!Boolean.TRUE.equals(result.getBoolean("isError"))) {
      return new Answer(null, reply.encode());
    }
    return new Answer(result.getJsonObject("structuredContent").getJsonObject("error").getString("code"), reply.encode());
  }
}
