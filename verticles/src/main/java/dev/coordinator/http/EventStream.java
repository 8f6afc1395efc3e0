package dev.coordinator.http;

import dev.coordinator.bus.Reply;

import dev.coordinator.bus.ErrorCode;

import io.vertx.core.shareddata.LocalMap;

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
 * on this node at once; those of other nodes when the audit sealer has sealed them, within a sweep
 * interval, relayed from the database like wake-ups: docs/cluster.md) and the wake-ups every node
 * publishes (lock released or freed by a session's end, task submitted or requeued, session ended
 * or reaped, a resync after the database's notifications may have been missed). Bursts are coalesced to one event per {@link #MIN_GAP_MS}.
 */
final class EventStream implements Handler<RoutingContext> {
  /** At most one event per this many milliseconds per stream: each event costs the page a round of reads. */
  static final long MIN_GAP_MS = 300;
  /** A comment line this often keeps proxies from closing an idle stream and finds closed ones. */
  static final long KEEPALIVE_MS = 15_000;
  /** HARD-3: streams one agent may hold open on one node: each holds a connection, timers and bus consumers. */
  static final int STREAMS_PER_AGENT = 8;
  /** The node's count of open streams per agent, shared by the HTTP verticle's instances. */
  private static final String OPEN_STREAMS = "coordinator.event-streams";
  private static final Map<String, String> WAKE_UPS = Map.of(
      Addresses.LOCK_RELEASED, "lock_released",
      Addresses.TASK_AVAILABLE, "task_available",
      Addresses.SESSION_ENDED, "session_ended",
      // The database's notifications may have been missed while its connection was down.
      Addresses.RESYNC, "resync");

  private final Vertx vertx;
  private final LocalMap<String, Integer> open;

  EventStream(Vertx vertx) {
    this.vertx = vertx;
    this.open = vertx.sharedData().getLocalMap(OPEN_STREAMS);
  }

  @Override
  public void handle(RoutingContext context) {
    String agent = Authentication.principal(context).id();
    boolean[] admitted = new boolean[1];
    open.compute(agent, (id, held) -> {
      int now = held == null ? 0 : held;
      admitted[0] = now < STREAMS_PER_AGENT;
      return admitted[0] ? now + 1 : now;
    });
    if (!admitted[0]) {
      Responses.failure(context, Reply.Failure.of(ErrorCode.VALIDATION_FAILED,
          "agent " + agent + " already holds " + STREAMS_PER_AGENT + " event streams on this node; close one first"));
      return;
    }
    HttpServerResponse response = context.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    new Stream(response, agent).open();
  }

  /** One client's stream: its subscriptions, its pending reasons and its timers, all on one event loop. */
  private final class Stream {
    private final HttpServerResponse response;
    private final String agent;
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private final Set<String> reasons = new LinkedHashSet<>();
    private long lastSent;
    private long flushTimer = -1;
    private long keepAlive = -1;
    private boolean closed;

    Stream(HttpServerResponse response, String agent) {
      this.response = response;
      this.agent = agent;
    }

    void open() {
      consumers.add(vertx.eventBus().<String>localConsumer(Addresses.CHANGED, message -> changed(message.body())));
      // Every node relays the database's wake-ups on its own bus, whichever node made the change.
      WAKE_UPS.forEach((address, reason) -> consumers.add(vertx.eventBus().localConsumer(address, message -> changed(reason))));
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
      open.computeIfPresent(agent, (id, held) -> held > 1 ? held - 1 : null);
      vertx.cancelTimer(keepAlive);
      if (flushTimer >= 0) {
        vertx.cancelTimer(flushTimer);
      }
      consumers.forEach(MessageConsumer::unregister);
    }
  }
}
