package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.cluster.WakeRelay;
import dev.coordinator.testing.Await;
import dev.coordinator.testing.EventStreamClient;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * OPS-2: {@code GET /v1/events}, the dashboard's server push: it needs a key, says {@code ready},
 * then {@code changed} when state changes (and not when it is only read), and ends when the node
 * shuts down so that an open dashboard does not hold the shutdown up.
 */
class EventStreamTest {
  @Test
  @DisplayName("HARD-3, OPS-2: one agent holds at most STREAMS_PER_AGENT event streams on a node; a closed one frees its place")
  void anAgentsStreamsAreBounded() throws Exception {
    try (TestService service = TestService.start()) {
      String watcher = service.agent("watcher", "operator", 4);
      int port = service.config().httpPort();
      java.util.List<EventStreamClient> streams = new java.util.ArrayList<>();
      for (int i = 0; i < EventStream.STREAMS_PER_AGENT; i++) {
        EventStreamClient events = EventStreamClient.open(port, watcher);
        assertEquals(200, events.response().statusCode());
        assertTrue(events.next().contains("event: ready"));
        streams.add(events);
      }
      EventStreamClient refused = EventStreamClient.open(port, watcher);
      assertEquals(400, refused.response().statusCode(), "HARD-3: one stream more than the cap is refused");

      streams.get(0).response().body().close();
      Await.until("a closed stream frees its place", () -> {
        try {
          EventStreamClient again = EventStreamClient.open(port, watcher);
          boolean opened = again.response().statusCode() == 200;
          if (opened) {
            again.response().body().close();
          }
          return opened;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Test
  @DisplayName("OPS-2: the event stream needs a key, says ready, pushes changed for a change and not for a read")
  void pushesChangesNotReads() throws Exception {
    try (TestService service = TestService.start()) {
      Http http = service.http();
      String operator = service.agent("ops", "operator", 4);
      String reader = service.agent("viewer", "observer", 1);
      Http.Response anonymous = http.get("/v1/events", null);
      assertEquals(401, anonymous.status(), anonymous::toString);

      EventStreamClient events = EventStreamClient.open(service.config().httpPort(), operator);
      assertEquals(200, events.response().statusCode());
      assertTrue(events.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      assertTrue(events.next().startsWith("retry: 2000\nevent: ready"), "the stream says it is ready first");

      // Reads publish nothing: a dashboard's own reads cannot set its stream off again.
      assertEquals(200, http.get("/v1/locks", operator).status());
      assertEquals(200, http.get("/v1/audit?limit=5", operator).status());
      assertEquals(200, http.post("/v1/locks/acquire", operator, new JsonObject().put("key", "src/pushed.py")).status());
      assertEquals(List.of("acquire_lock"), events.nextChange(WakeRelay.SEALED),
          "OPS-2: the first event after two reads and an acquire names the acquire alone");

      // A denial changes nothing but the audit trail, which the dashboard shows: it is pushed too.
      assertEquals(403, http.post("/v1/locks/acquire", reader, new JsonObject().put("key", "src/denied.py")).status());
      assertTrue(events.nextChange(WakeRelay.SEALED).contains("acquire_lock"), "OPS-2: a denied change is pushed");

      // A release reaches the stream twice over (the command and the lock-released wake-up): one event or two, never none.
      assertEquals(200, http.post("/v1/locks/release", operator, new JsonObject().put("key", "src/pushed.py")).status());
      List<String> released = events.nextChange(WakeRelay.SEALED);
      assertTrue(released.contains("release_lock") || released.contains("lock_released"), released::toString);
    }
  }

  @Test
  @DisplayName("OPS-2: an open event stream ends when the node shuts down and does not hold the shutdown up")
  void shutdownEndsTheStream() throws Exception {
    try (TestService service = TestService.start()) {
      EventStreamClient events = EventStreamClient.open(service.config().httpPort(), service.agent("ops", "operator", 4));
      assertTrue(events.next().contains("event: ready"));
      long started = System.nanoTime();
      service.stopService();
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertTrue(took.compareTo(Duration.ofSeconds(HttpVerticle.SHUTDOWN_GRACE_SECONDS / 2)) < 0,
          "OPS-2: the shutdown waited " + took.toMillis() + " ms for an open dashboard stream (grace "
              + HttpVerticle.SHUTDOWN_GRACE_SECONDS + " s)");
      assertEquals("end", events.next(), "the stream ended with the node, as a stream ends");
    }
  }
}
