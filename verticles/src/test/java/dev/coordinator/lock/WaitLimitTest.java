package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.domain.WaitLimit;
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
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HARD-3: one agent may not pile up waiting acquires or waiting claims. One request over the
 * bound is refused at once (VALIDATION_FAILED on wait_ms, audited); the rest wait, and end with
 * their session.
 */
@Tag("HARD-3")
class WaitLimitTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String hoarder;
  private static String holder;

  @BeforeAll
  static void agents() {
    http = service.http();
    hoarder = service.agent("hoarder", "claude_code", 2);
    holder = service.agent("holder", "codex", 2);
  }

  @Test
  void waitingAcquiresOfOneAgentAreBounded() throws Exception {
    assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", "src/popular.py")).status());
    overTheLimit(session -> http.send("POST", "/v1/locks/acquire", hoarder,
        new JsonObject().put("key", "src/popular.py").put("wait_ms", 60_000).encode(), "Coordinator-Session", session),
        "acquire_lock");
  }

  @Test
  void waitingClaimsOfOneAgentAreBounded() throws Exception {
    overTheLimit(session -> http.send("POST", "/v1/tasks/claim", hoarder,
        new JsonObject().put("task_types", new JsonArray().add("never-submitted")).put("wait_ms", 60_000).encode(),
        "Coordinator-Session", session), "get_work");
  }

  /** Sends one wait more than the bound, all at once; exactly one is refused, at once. */
  private static void overTheLimit(Function<String, Http.Response> wait, String action) throws Exception {
    Http.Response registered = http.post("/v1/sessions", hoarder, new JsonObject());
    String session = registered.json().getJsonObject("session").getString("id");
    int requests = WaitLimit.PER_AGENT + 1;
    ExecutorService pool = Executors.newFixedThreadPool(requests);
    try {
      List<CompletableFuture<Http.Response>> answers = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        answers.add(CompletableFuture.supplyAsync(() -> wait.apply(session), pool));
      }
      Http.Response first = (Http.Response) CompletableFuture.anyOf(answers.toArray(CompletableFuture[]::new))
          .get(30, TimeUnit.SECONDS);
      assertEquals(400, first.status(), first::toString);
      assertEquals("wait_ms", first.json().getJsonObject("error").getJsonObject("details").getString("field"), first::toString);
      assertEquals(200, http.send("DELETE", "/v1/sessions/" + session, hoarder, null).status());
      int refusedForTheLimit = 0;
      for (CompletableFuture<Http.Response> answer : answers) {
        Http.Response response = answer.get(60, TimeUnit.SECONDS);
        assertEquals(400, response.status(), response::toString);
        String field = response.json().getJsonObject("error").getJsonObject("details").getString("field");
        refusedForTheLimit += "wait_ms".equals(field) ? 1 : 0;
      }
      assertEquals(1, refusedForTheLimit, "exactly the one over the bound was refused for it");
      assertEquals(1L, service.database().value("SELECT count(*) FROM audit_log WHERE agent = 'hoarder' AND action = ?"
          + " AND outcome = 'error' AND result->>'field' = 'wait_ms'", action), "the refusal is audited");
    } finally {
      pool.shutdownNow();
    }
  }
}
