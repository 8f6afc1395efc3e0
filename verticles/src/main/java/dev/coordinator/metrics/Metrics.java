package dev.coordinator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * One node's meters, in one Prometheus registry that Vert.x's own metrics (HTTP server, event
 * bus, pools, JVM) share, scraped as {@code GET /metrics}. One registry per Vert.x instance, so
 * several nodes in one JVM (the tests) never mix their numbers.
 */
public final class Metrics {
  /** Prometheus' text format, as {@link PrometheusMeterRegistry#scrape()} writes it. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** The queue's gauges by (task type, status), registered on first sight; a line no longer open reads 0. */
  private final Map<List<String>, AtomicReference<QueueRow>> queueLines = new ConcurrentHashMap<>();
  private final AtomicLong webSockets = new AtomicLong();

  /**
   * A Vert.x builder whose instance reports into this registry: HTTP server requests by route,
   * method and code; event-bus messages by address; pools; the JVM.
   */
  public VertxBuilder vertx(VertxOptions options) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .addLabels(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_ADDRESS, Label.EB_SIDE,
            Label.EB_FAILURE, Label.POOL_TYPE, Label.POOL_NAME);
    return Vertx.builder().with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /** The whole registry in Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  /** A policy decision as the audit trail records it ({@code allow}, {@code deny}, {@code shadow_deny}), by engine. */
  public void decision(String decision, String engine) {
    Counter.builder("coordinator.policy.decisions").description("policy decisions, by what the audit trail records")
        .tags("decision", decision, "engine", engine).register(registry).increment();
  }

  /**
   * Times an acquire that waits in line, from entering to its answer; {@code outcome} is
   * {@code granted} when it got the lock, else {@code refused} (its time ran out, or it was ended).
   */
  public <T> Future<T> lockWait(Future<T> answer, Predicate<T> granted) {
    Timer.Sample sample = Timer.start(registry);
    return answer.onComplete(result -> sample.stop(Timer.builder("coordinator.lock.waits")
        .description("acquires that waited in line for a lock, and how long they waited")
        .tag("outcome", result.succeeded() && granted.test(result.result()) ? "granted" : "refused")
        .register(registry)));
  }

  /** Claims whose lease ran out and that the sweeper put back in the queue. */
  public void leaseExpiries(int count) {
    Counter.builder("coordinator.task.lease.expiries")
        .description("claimed tasks whose lease ran out and that went back to the queue").register(registry)
        .increment(count);
  }

  /** Sessions the reaper closed because they fell silent. */
  public void sessionsReaped(int count) {
    Counter.builder("coordinator.sessions.reaped").description("sessions closed by the reaper after falling silent")
        .register(registry).increment(count);
  }

  /** A guardrail that matched an agent's text; {@code blocked} whether it refused the request. */
  public void guardrailMatch(String category, String severity, boolean blocked) {
    Counter.builder("coordinator.guardrail.matches").description("guardrail matches in agents' text")
        .tags("category", category, "severity", severity, "outcome", blocked ? "blocked" : "recorded")
        .register(registry).increment();
  }

  /**
   * The open tasks by type and status, and the age of the oldest of each, as the queue sweep just
   * read them; a type and status seen before but absent now reads 0.
   */
  public void queue(List<QueueRow> rows) {
    Map<List<String>, QueueRow> now = new HashMap<>();
    rows.forEach(row -> now.put(List.of(row.taskType(), row.status()), row));
    now.forEach((line, row) -> queueLines.computeIfAbsent(line, this::registerQueueLine));
    queueLines.forEach((line, current) -> current.set(now.getOrDefault(line, new QueueRow(line.get(0), line.get(1), 0, 0))));
  }

  private AtomicReference<QueueRow> registerQueueLine(List<String> line) {
    AtomicReference<QueueRow> current = new AtomicReference<>(new QueueRow(line.get(0), line.get(1), 0, 0));
    Tags tags = Tags.of("task_type", line.get(0), "status", line.get(1));
    Gauge.builder("coordinator.queue.depth", current, held -> held.get().count()).strongReference(true).tags(tags)
        .description("open tasks, by type and status, as of this node's last queue sweep").register(registry);
    Gauge.builder("coordinator.queue.oldest.age", current, held -> held.get().oldestSeconds()).strongReference(true)
        .tags(tags).baseUnit("seconds")
        .description("how long the oldest open task of each type and status has existed, as of the last sweep")
        .register(registry);
    return current;
  }

  /** One line of {@link #queue}: the open tasks of one type in one status. */
  public record QueueRow(String taskType, String status, long count, double oldestSeconds) {
  }

  /**
   * MCP connections on this node by transport: {@code streamable_http} sessions (the cluster's, as
   * {@code sessions} counts them) and {@code websocket} connections open here. Also the plain
   * {@code coordinator_mcp_sessions} gauge that tests wait on.
   */
  public void mcpSessions(LongSupplier streamableHttp) {
    gauge("coordinator_mcp_sessions", "open Streamable HTTP MCP sessions in the cluster, as of this node's last sweep",
        streamableHttp);
    Gauge.builder("coordinator.mcp.connections", streamableHttp, LongSupplier::getAsLong).strongReference(true)
        .description("open MCP sessions by transport").tag("transport", "streamable_http").register(registry);
    Gauge.builder("coordinator.mcp.connections", webSockets, AtomicLong::get)
        .description("open MCP sessions by transport").tag("transport", "websocket").register(registry);
  }

  /** An MCP WebSocket opened ({@code +1}) or closed ({@code -1}) on this node. */
  public void webSocket(int change) {
    webSockets.addAndGet(change);
  }

  /**
   * A gauge read at scrape time; {@code name} as Prometheus shows it. Held strongly: {@code value}
   * is often a method reference nothing else keeps, and a weakly held one reads NaN once collected.
   */
  public void gauge(String name, String description, LongSupplier value) {
    Gauge.builder(name.replace('_', '.'), value, LongSupplier::getAsLong).strongReference(true).description(description)
        .register(registry);
  }
}
