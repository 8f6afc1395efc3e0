package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * OPS-2: {@code GET /v1/events}, the dashboard's server push: it needs a key, says {@code ready},
 * then {@code changed} when state changes (and not when it is only read), and ends when the node
 * shuts down so that an open dashboard does not hold the shutdown up.
 */
class EventStreamTest {
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final long EVENT_PATIENCE_SECONDS = 30;

  /** The stream's events, one {@code event:} block each, read on a thread of its own; "end" when it ends. */
  private record Events(HttpResponse<InputStream> response, BlockingQueue<String> queue) {
    static Events open(int port, String key) throws Exception {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .header("Authorization", "Bearer " + key).GET().build();
      HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
      BlockingQueue<String> queue = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          StringBuilder block = new StringBuilder();
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (!line.isEmpty()) {
              block.append(line).append('\n');
            } else if (block.indexOf("event:") >= 0) {
              queue.add(block.toString());
              block.setLength(0);
            } else {
              block.setLength(0);
            }
          }
        } catch (Exception e) {
          queue.add("failed " + e);
        }
        queue.add("end");
      }, "event-stream-reader");
      reader.setDaemon(true);
      reader.start();
      return new Events(response, queue);
    }

    String next() throws InterruptedException {
      String event = queue.poll(EVENT_PATIENCE_SECONDS, TimeUnit.SECONDS);
      assertNotNull(event, "no event within " + EVENT_PATIENCE_SECONDS + " s");
      return event;
    }
  }

  @Test
  @DisplayName("HARD-3, OPS-2: one agent holds at most STREAMS_PER_AGENT event streams on a node; a closed one frees its place")
  void anAgentsStreamsAreBounded() throws Exception {
    try (TestService service = TestService.start()) {
      String watcher = service.agent("watcher", "operator", 4);
      int port = service.config().httpPort();
      java.util.List<Events> streams = new java.util.ArrayList<>();
      for (int i = 0; i < EventStream.STREAMS_PER_AGENT; i++) {
        Events events = Events.open(port, watcher);
        assertEquals(200, events.response().statusCode());
        assertTrue(events.next().contains("event: ready"));
        streams.add(events);
      }
      Events refused = Events.open(port, watcher);
      assertEquals(400, refused.response().statusCode(), "HARD-3: one stream more than the cap is refused");

      streams.get(0).response().body().close();
      Await.until("a closed stream frees its place", () -> {
        try {
          Events again = Events.open(port, watcher);
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

      Events events = Events.open(service.config().httpPort(), operator);
      assertEquals(200, events.response().statusCode());
      assertTrue(events.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      assertTrue(events.next().startsWith("retry: 2000\nevent: ready"), "the stream says it is ready first");

      // Reads publish nothing: a dashboard's own reads cannot set its stream off again.
      assertEquals(200, http.get("/v1/locks", operator).status());
      assertEquals(200, http.get("/v1/audit?limit=5", operator).status());
      assertEquals(200, http.post("/v1/locks/acquire", operator, new JsonObject().put("key", "src/pushed.py")).status());
      String changed = events.next();
      assertEquals("event: changed\ndata: {\"reasons\":[\"acquire_lock\"]}\n", changed,
          "OPS-2: the first event after two reads and an acquire names the acquire alone");

      // A denial changes nothing but the audit trail, which the dashboard shows: it is pushed too.
      assertEquals(403, http.post("/v1/locks/acquire", reader, new JsonObject().put("key", "src/denied.py")).status());
      assertTrue(events.next().contains("acquire_lock"), "OPS-2: a denied change is pushed");

      // A release reaches the stream twice over (the command and the lock-released wake-up): one event or two, never none.
      assertEquals(200, http.post("/v1/locks/release", operator, new JsonObject().put("key", "src/pushed.py")).status());
      String released = events.next();
      assertTrue(released.contains("release_lock") || released.contains("lock_released"), released);
    }
  }

  @Test
  @DisplayName("OPS-2: an open event stream ends when the node shuts down and does not hold the shutdown up")
  void shutdownEndsTheStream() throws Exception {
    try (TestService service = TestService.start()) {
      Events events = Events.open(service.config().httpPort(), service.agent("ops", "operator", 4));
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
