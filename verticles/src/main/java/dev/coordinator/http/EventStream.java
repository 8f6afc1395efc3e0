package dev.coordinator.http;

import dev.coordinator.bus.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/events}: a {@code text/event-stream} that says {@code changed} when locks, tasks,
 * sessions or the audit trail may have changed, so that the dashboard re-reads them through the
 * ordinary read endpoints (gated and audited like any read). The stream carries no data of its
 * own, only the names of what happened, so it needs a key but no policy decision.
 *
 * <p>Sources: {@link Addresses#CHANGED} (every state-changing command and every refusal answered
 * on this node) and the wake-ups every node publishes (lock released or freed by a session's end,
 * task submitted or requeued, session ended or reaped). Bursts are coalesced to one event per
 * {@link #MIN_GAP_MS}.
 */
final class EventStream implements Handler<RoutingContext> {
  /** At most one event per this many milliseconds per stream: each event costs the page a round of reads. */
  static final long MIN_GAP_MS = 300;
  /** A comment line this often keeps proxies from closing an idle stream and finds closed ones. */
  static final long KEEPALIVE_MS = 15_000;
  private static final Map<String, String> WAKE_UPS = Map.of(
      Addresses.LOCK_RELEASED, "lock_released",
      Addresses.TASK_AVAILABLE, "task_available",
      Addresses.SESSION_ENDED, "session_ended");

  private final Vertx vertx;

  EventStream(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public void handle(RoutingContext context) {
    HttpServerResponse response = context.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    new Stream(response).open();
  }

  /** One client's stream: its subscriptions, its pending reasons and its timers, all on one event loop. */
  private final class Stream {
    private final HttpServerResponse response;
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private final Set<String> reasons = new LinkedHashSet<>();
    private long lastSent;
    private long flushTimer = -1;
    private long keepAlive = -1;
    private boolean closed;

    Stream(HttpServerResponse response) {
      this.response = response;
    }

    void open() {
      consumers.add(vertx.eventBus().<String>localConsumer(Addresses.CHANGED, message -> changed(message.body())));
      // Not local: the wake-ups of other nodes reach only a node that listens cluster-wide.
      WAKE_UPS.forEach((address, reason) -> consumers.add(vertx.eventBus().consumer(address, message -> changed(reason))));
      consumers.add(vertx.eventBus().localConsumer(Addresses.SHUTTING_DOWN, message -> end()));
      response.closeHandler(ignored -> close());
      response.endHandler(ignored -> close());
      response.drainHandler(ignored -> flush());
      keepAlive = vertx.setPeriodic(KEEPALIVE_MS, ignored -> write(": keep-alive\n\n"));
      write("retry: 2000\nevent: ready\ndata: {}\n\n");
    }

    private void changed(String reason) {
      reasons.add(reason == null ? "changed" : reason);
      if (flushTimer >= 0) {
        return;
      }
      long wait = lastSent + MIN_GAP_MS - System.currentTimeMillis();
      if (wait <= 0) {
        flush();
      } else {
        flushTimer = vertx.setTimer(wait, ignored -> {
          flushTimer = -1;
          flush();
        });
      }
    }

    /** Sends the pending reasons, unless the client is not keeping up: then the drain sends them. */
    private void flush() {
      if (closed || reasons.isEmpty() || response.writeQueueFull()) {
        return;
      }
      JsonObject data = new JsonObject().put("reasons", new JsonArray(List.copyOf(reasons)));
      reasons.clear();
      lastSent = System.currentTimeMillis();
      write("event: changed\ndata: " + data.encode() + "\n\n");
    }

    private void write(String text) {
      if (!closed) {
        response.write(text);
      }
    }

    /** The node is shutting down: ending the stream lets the server's graceful shutdown finish at once. */
    private void end() {
      if (!closed) {
        response.end();
      }
      close();
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      vertx.cancelTimer(keepAlive);
      if (flushTimer >= 0) {
        vertx.cancelTimer(flushTimer);
      }
      consumers.forEach(MessageConsumer::unregister);
    }
  }
}
