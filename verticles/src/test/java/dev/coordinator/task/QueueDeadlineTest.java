package dev.coordinator.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A task past its deadline is never claimed, whether or not the sweeper has failed it yet. */
@Tag("TASK-5")
class QueueDeadlineTest {
  /** No sweep during the test: the claim alone must see the deadline. */
  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "3600000");
  private static Http http;
  private static String worker;

  @BeforeAll
  static void agents() {
    http = service.http();
    worker = service.agent("worker", "claude_code", 2);
  }

  @Test
  void aTaskPastItsDeadlineIsNotClaimedBeforeTheSweep() {
    Http.Response submitted = http.post("/v1/tasks", worker, new JsonObject().put("task_type", "late")
        .put("description", "due soon").put("deadline", Instant.now().plusSeconds(3600).toString()));
    assertEquals(201, submitted.status(), submitted::toString);
    String id = submitted.json().getJsonObject("task").getString("id");
    service.database().execute("UPDATE tasks SET deadline = now() - interval '1 second' WHERE id = '" + UUID.fromString(id) + "'");

    Http.Response claim = http.post("/v1/tasks/claim", worker, new JsonObject().put("task_types", new JsonArray().add("late")));
    assertEquals(200, claim.status(), claim::toString);
    assertNull(claim.json().getValue("task"), "a task past its deadline is not handed out: " + claim);
    assertEquals("pending", service.database().value("SELECT status FROM tasks WHERE id = ?::uuid", id),
        "left for the sweeper to fail");
  }
}
