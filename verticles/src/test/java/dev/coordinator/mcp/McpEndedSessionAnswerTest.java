package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Document;
import dev.coordinator.bus.Reply;
import dev.coordinator.domain.SessionEnded;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * When a Streamable HTTP session's coordinator session ends under a batch, the answers become a
 * 404 only if nothing in the batch was done: a client re-initializes on 404 and resends, so a batch
 * whose submit went through must keep its answers, or the submit happens twice (issue 11, review).
 */
@Tag("HARD-2")
class McpEndedSessionAnswerTest {
  private static final JsonObject REFUSED = JsonRpc.result(1, McpProtocol.toolResult(SessionEnded.refusal("s")));
  private static final JsonObject DONE = JsonRpc.result(2,
      McpProtocol.toolResult(Reply.success(new Document(new JsonObject().put("task", new JsonObject().put("id", "t"))))));

  @Test
  void answersRefusedForTheSessionBecomeA404() {
    assertTrue(McpHttp.endedSession(new JsonArray().add(REFUSED)));
    assertTrue(McpHttp.endedSession(new JsonArray().add(REFUSED).add(REFUSED)));
  }

  @Test
  void aBatchInWhichSomethingWasDoneKeepsItsAnswers() {
    assertFalse(McpHttp.endedSession(new JsonArray().add(DONE).add(REFUSED)));
    assertFalse(McpHttp.endedSession(new JsonArray().add(DONE)));
  }
}
