package dev.coordinator.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Handoffs a successor can read, and memories any agent can recall. */
class HandoffMemoryTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;
  private static String reader;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
    reader = service.agent("reader", "observer", 1);
  }

  @Test
  void aSuccessorReadsTheNewestHandoffs() {
    for (int i = 1; i <= 3; i++) {
      Http.Response written = http.post("/v1/handoffs", alice, new JsonObject().put("summary", "day " + i)
          .put("next_steps", new JsonArray().add("step " + i)).put("relevant_files", new JsonArray().add("src/a.py")));
      assertEquals(201, written.status(), written::toString);
      assertEquals("alice", written.json().getJsonObject("handoff").getString("agent"));
    }
    JsonArray own = http.get("/v1/handoffs", alice).json().getJsonArray("handoffs");
    assertEquals(1, own.size(), "default: the newest one");
    assertEquals("day 3", own.getJsonObject(0).getString("summary"));
    assertEquals(new JsonArray().add("step 3"), own.getJsonObject(0).getJsonArray("next_steps"));
    assertEquals(new JsonArray(), own.getJsonObject(0).getJsonArray("decisions"));
    JsonArray successor = http.get("/v1/handoffs?agent=alice&limit=2", reader).json().getJsonArray("handoffs");
    assertEquals(List.of("day 3", "day 2"), successor.stream().map(h -> ((JsonObject) h).getString("summary")).toList(),
        "trust 1 reads another agent's handoffs, newest first");
    assertTrue(http.get("/v1/handoffs", bob).json().getJsonArray("handoffs").isEmpty());
    assertEquals("VALIDATION_FAILED", http.post("/v1/handoffs", alice, new JsonObject().put("summary", "  ")).errorCode());
    assertEquals("VALIDATION_FAILED", http.post("/v1/handoffs", alice, new JsonObject()).errorCode());
    assertEquals("VALIDATION_FAILED", http.post("/v1/handoffs", alice, new JsonObject().put("summary", "s")
        .put("next_steps", new JsonArray().add(7))).errorCode());
    assertEquals(403, http.post("/v1/handoffs", reader, new JsonObject().put("summary", "s")).status(), "writing is a write");
  }

  @Test
  void twentyConcurrentIdenticalRemembersMakeOneMemory() throws Exception {
    JsonObject memory = new JsonObject().put("event_type", "build_failure").put("summary", "the cache was stale")
        .put("lessons", new JsonArray().add("clear the cache")).put("tags", new JsonArray().add("build"));
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/memories", alice, memory), pool));
      }
      List<String> ids = new ArrayList<>();
      int created = 0;
      for (CompletableFuture<Http.Response> call : calls) {
        Http.Response response = call.get(60, TimeUnit.SECONDS);
        assertEquals(201, response.status(), response::toString);
        ids.add(response.json().getJsonObject("memory").getString("id"));
        created += "created".equals(response.json().getString("action")) ? 1 : 0;
      }
      assertEquals(1, created, "exactly one call created it");
      assertEquals(1, ids.stream().distinct().count(), "all twenty got the same memory");
      assertEquals(1L, service.database().value("SELECT count(*) FROM memories WHERE summary = 'the cache was stale'"));
    } finally {
      pool.shutdownNow();
    }
    Http.Response other = http.post("/v1/memories", bob, memory);
    assertEquals("created", other.json().getString("action"), "another agent's identical memory is its own");
  }

  @Test
  void recallRanksTagMatchesFirstAndFilters() {
    http.post("/v1/memories", alice, new JsonObject().put("event_type", "deploy").put("summary", "one tag")
        .put("tags", new JsonArray().add("prod")));
    http.post("/v1/memories", alice, new JsonObject().put("event_type", "deploy").put("summary", "two tags")
        .put("tags", new JsonArray().add("prod").add("db")));
    http.post("/v1/memories", bob, new JsonObject().put("event_type", "review").put("summary", "no match")
        .put("tags", new JsonArray().add("style")));
    JsonArray recalled = http.get("/v1/memories?tag=prod&tag=db", reader).json().getJsonArray("memories");
    assertEquals(List.of("two tags", "one tag"), recalled.stream().map(m -> ((JsonObject) m).getString("summary")).toList());
    assertTrue(recalled.getJsonObject(0).getDouble("relevance") > recalled.getJsonObject(1).getDouble("relevance"));
    JsonArray reviews = http.get("/v1/memories?event_type=review", reader).json().getJsonArray("memories");
    assertEquals(1, reviews.size());
    assertEquals("bob", reviews.getJsonObject(0).getString("agent"));
    assertEquals("VALIDATION_FAILED", http.get("/v1/memories?limit=0", reader).errorCode());
  }
}
