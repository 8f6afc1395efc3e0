package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;

/**
 * HARD-1, MCP: whatever bytes arrive as an MCP message (an HTTP POST body or a WebSocket frame),
 * {@link JsonRpc#parse} answers exactly one of: a valid message, a batch, or a JSON-RPC error the
 * spec documents (-32700 parse error, -32600 invalid request, -32602 invalid params; a tool
 * argument over the limits is the tool's {@code VALIDATION_FAILED} result), whose answer encodes.
 * Every batch entry is checked the same way, and a valid {@code tools/call} goes on to build its
 * command: a command or {@code VALIDATION_FAILED}, nothing else.
 * Committed inputs: src/test/resources/dev/coordinator/mcp/JsonRpcFuzzTestInputs; see docs/fuzzing.md.
 */
@Tag("HARD-1")
class JsonRpcFuzzTest {
  private static final Set<Integer> DOCUMENTED = Set.of(JsonRpc.PARSE_ERROR, JsonRpc.INVALID_REQUEST, JsonRpc.INVALID_PARAMS);
  private static final McpTools TOOLS = new McpTools();

  @FuzzTest(maxDuration = "3m")
  void aMessageIsValidOrADocumentedError(byte[] data) {
    JsonRpc.Parsed parsed = JsonRpc.parse(Buffer.buffer(data), "request");
    assertEquals(1, Stream.of(parsed.message(), parsed.batch(), parsed.error()).filter(part -> part != null).count(),
        parsed::toString);
    if (parsed.error() != null) {
      assertDocumented(parsed.error(), data.length);
    } else if (parsed.batch() != null) {
      McpProtocol.VERSIONS.forEach(version -> JsonRpc.batchProblem(parsed.batch(), version));
      for (Object entry : parsed.batch()) {
        JsonRpc.Parsed one = JsonRpc.check(entry);
        if (one.error() != null) {
          assertEquals(JsonRpc.INVALID_REQUEST, one.error().getJsonObject("error").getInteger("code"));
          assertDocumented(one.error(), data.length);
        } else {
          acceptedMessage(one.message());
        }
      }
    } else {
      acceptedMessage(parsed.message());
    }
  }

  private static void acceptedMessage(JsonObject message) {
    assertNull(JsonRpc.invalid(message), message::encode);
    McpProtocol.negotiate(message.getValue("params") instanceof JsonObject params ? params : null);
    if (!JsonRpc.isRequest(message) || !"tools/call".equals(message.getString("method"))
        || !(message.getValue("params") instanceof JsonObject params)
        || !(params.getValue("name") instanceof String name)) {
      return;
    }
    Object arguments = params.getValue("arguments");
    JsonObject copy = arguments == null ? new JsonObject() : arguments instanceof JsonObject object ? object.copy() : null;
    TOOLS.named(name).filter(tool -> copy != null).ifPresent(tool -> {
      try {
        assertNotNull(McpProtocol.envelope(tool, copy, "fuzzer", "session", "request").command());
      } catch (CoordinatorException refused) {
        assertEquals(ErrorCode.VALIDATION_FAILED, refused.failure().code(), refused::getMessage);
      }
    });
  }

  /**
   * A JSON-RPC 2.0 answer with a documented code, or a tool's VALIDATION_FAILED result; it encodes, and is
   * small but for the id it echoes (which the message itself carried).
   */
  private static void assertDocumented(JsonObject answer, int received) {
    assertEquals("2.0", answer.getString("jsonrpc"));
    Object id = answer.getValue("id");
    assertTrue(id == null || id instanceof String || id instanceof Number, answer::encode);
    JsonObject error = answer.getJsonObject("error");
    if (error != null) {
      assertTrue(DOCUMENTED.contains(error.getInteger("code")), answer::encode);
      assertNotNull(error.getString("message"));
    } else {
      JsonObject result = answer.getJsonObject("result");
      assertEquals(Boolean.TRUE, result.getBoolean("isError"), answer::encode);
      assertEquals(ErrorCode.VALIDATION_FAILED.name(),
          result.getJsonObject("structuredContent").getJsonObject("error").getString("code"), answer::encode);
      assertNotNull(id, "a tool result answers a request that has an id");
    }
    int size = answer.encode().length();
    assertTrue(size <= received + 16 * 1024, () -> size + " characters in answer to " + received + " bytes");
  }
}
