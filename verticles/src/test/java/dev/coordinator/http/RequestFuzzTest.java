package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.audit.AuditRequests;
import dev.coordinator.bus.handoff.HandoffRequests;
import dev.coordinator.bus.lock.LockRequests;
import dev.coordinator.bus.memory.MemoryRequests;
import dev.coordinator.bus.policy.PolicyRequests;
import dev.coordinator.bus.session.SessionRequests;
import dev.coordinator.bus.task.TaskRequests;
import dev.coordinator.domain.CommandJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;

/**
 * HARD-1: whatever bytes a client sends as a REST body or query, the parse into a command
 * ends in a command or in {@code VALIDATION_FAILED} naming a field, and nothing else (no other
 * exception, no hang: Jazzer's per-input timeout holds in fuzzing mode). What comes out is bounded
 * by what went in: the command's JSON (its audit params and idempotency hash input) encodes, at
 * most a constant plus twice the body, and a refusal's answer stays small.
 *
 * <p>The first bytes of an input are the body; its last bytes pick the content type and the
 * endpoint (Jazzer reads integers from the end). Committed inputs:
 * src/test/resources/dev/coordinator/http/RequestFuzzTestInputs; see docs/fuzzing.md.
 */
@Tag("HARD-1")
class RequestFuzzTest {
  /** The Content-Type headers worth telling apart (http/BadInputTest covers the header's own grammar). */
  private static final List<String> CONTENT_TYPES = Arrays.asList("application/json", "application/json; charset=utf-8",
      "text/plain", null);
  private static final String TASK = "0b6f3c1e-3d4e-4f5a-8b9c-0d1e2f3a4b5c";

  /** Each endpoint that reads a body, as {@link HttpVerticle} routes it (path parameters fixed and valid). */
  private static final List<Function<JsonObject, Command>> BODIES = List.of(
      LockRequests::acquire, LockRequests::release, LockRequests::renew, LockRequests::validate,
      TaskRequests::submit, TaskRequests::claim,
      body -> TaskRequests.complete(TASK, body), body -> TaskRequests.renew(TASK, body), body -> TaskRequests.cancel(TASK, body),
      SessionRequests::register, body -> SessionRequests.heartbeat(TASK, body),
      HandoffRequests::write, MemoryRequests::remember,
      PolicyRequests::check, PolicyRequests::validate, PolicyRequests::checkGuardrails);
  /** A refusal names a field and says why: with the longest name a body may hold, well under this. */
  private static final int MAX_REFUSAL = 8 * 1024;
  /** Defaults and snake_case names a command adds to what the body held. */
  private static final int COMMAND_OVERHEAD = 4 * 1024;

  @FuzzTest(maxDuration = "3m")
  void aBodyBecomesACommandOrAValidationFailure(FuzzedDataProvider data) {
    Function<JsonObject, Command> endpoint = BODIES.get(data.consumeInt(0, BODIES.size() - 1));
    String contentType = CONTENT_TYPES.get(data.consumeInt(0, CONTENT_TYPES.size() - 1));
    byte[] body = data.consumeRemainingAsBytes();
    Command command = commandOrRefusal(() -> endpoint.apply(RequestParts.object(Buffer.buffer(body), contentType)));
    if (command != null) {
      int encoded = CommandJson.of(command).encode().length();
      assertTrue(encoded <= COMMAND_OVERHEAD + 2L * body.length, () -> encoded + " characters from a body of " + body.length);
    }
  }

  /**
   * Path and query parameters arrive as free text (Vert.x has already split and decoded them); a path
   * parameter is always there (else no route matches), a query parameter may be missing.
   */
  @FuzzTest(maxDuration = "3m")
  void queryAndPathTextBecomesACommandOrAValidationFailure(FuzzedDataProvider data) {
    int endpoint = data.consumeInt(0, 9);
    String path = data.consumeString(600);
    String a = text(data);
    String b = text(data);
    String c = text(data);
    String d = text(data);
    List<String> many = new ArrayList<>();
    while (data.remainingBytes() > 0 && data.consumeBoolean()) {
      many.add(data.consumeString(600));
    }
    commandOrRefusal(() -> switch (endpoint) {
      case 0 -> LockRequests.check(many);
      case 1 -> TaskRequests.list(a, b, c);
      case 2 -> TaskRequests.get(path);
      case 3 -> TaskRequests.cancel(path, new JsonObject());
      case 4 -> SessionRequests.discover(a, b);
      case 5 -> SessionRequests.end(path);
      case 6 -> SessionRequests.heartbeat(path, new JsonObject());
      case 7 -> HandoffRequests.read(a, b);
      case 8 -> MemoryRequests.recall(many, a, b);
      default -> AuditRequests.query(a, b, c, d);
    });
  }

  private static String text(FuzzedDataProvider data) {
    return data.consumeBoolean() ? data.consumeString(600) : null;
  }

  /** The command, or null after checking that the refusal is the documented one. */
  private static Command commandOrRefusal(Supplier<Command> parse) {
    try {
      Command command = parse.get();
      assertNotNull(command);
      return command;
    } catch (CoordinatorException refused) {
      assertEquals(ErrorCode.VALIDATION_FAILED, refused.failure().code(), refused::getMessage);
      assertNotNull(refused.failure().details().getString("field"), refused::getMessage);
      int size = refused.failure().toJson().encode().length();
      assertTrue(size <= MAX_REFUSAL, () -> "a refusal of " + size + " characters: " + refused.getMessage());
      return null;
    }
  }
}
