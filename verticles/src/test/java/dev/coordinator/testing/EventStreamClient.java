package dev.coordinator.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client of {@code GET /v1/events} (the dashboard's server push): the stream's events, one
 * {@code event:} block each, read on a thread of its own; "end" when the stream ends.
 */
public record EventStreamClient(HttpResponse<InputStream> response, BlockingQueue<String> queue) {
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final long EVENT_PATIENCE_SECONDS = 30;

  public static EventStreamClient open(int port, String key) throws Exception {
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
    return new EventStreamClient(response, queue);
  }

  /**
   * The reasons of the next {@code changed} event that names any but {@code ignored}, without
   * those (e.g. a sealing pass's {@code audit_sealed}, which may come at any time after a change).
   */
  public List<String> nextChange(String... ignored) throws InterruptedException {
    while (true) {
      String event = next();
      assertTrue(event.startsWith("event: changed\ndata: "), "not a change: " + event);
      List<String> reasons = new ArrayList<>(new JsonObject(event.substring(event.indexOf("data: ") + 6).trim())
          .getJsonArray("reasons").stream().map(String.class::cast).toList());
      reasons.removeAll(List.of(ignored));
      if (!reasons.isEmpty()) {
        return reasons;
      }
    }
  }

  /** The next event, waiting for it as long as a busy machine may need. */
  public String next() throws InterruptedException {
    String event = queue.poll(EVENT_PATIENCE_SECONDS, TimeUnit.SECONDS);
    assertNotNull(event, "no event within " + EVENT_PATIENCE_SECONDS + " s");
    return event;
  }
}
