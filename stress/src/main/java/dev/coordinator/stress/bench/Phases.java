package dev.coordinator.stress.bench;

import dev.coordinator.stress.service.Agents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/** Builds the phases the goals compare: pgbench scripts on the raw tables, and the service's clients. */
final class Phases {
  /** The service writes no audit rows while this trigger exists (G5's switch, only ever in the bench's own database). */
  static final String AUDIT_OFF = """
      CREATE FUNCTION bench_audit_off() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
      CREATE TRIGGER bench_audit_off BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION bench_audit_off()""";
  static final String AUDIT_ON = "DROP TRIGGER bench_audit_off ON audit_log; DROP FUNCTION bench_audit_off()";
  /** G2's queue in the service: {@code %d} pending tasks (a count, never request text). */
  static final String PREFILL_TASKS = """
      INSERT INTO tasks (id, task_type, description, priority, status, submitted_by, max_attempts)
      SELECT gen_random_uuid(), 'bench', 'bench job', 5, 'pending', 'stress-admin', 3 FROM generate_series(1, %d)""";
  /**
   * A prefill is a bulk load into a table TRUNCATE left without statistics; a running service's
   * tables have them (autovacuum analyzes a new table within its first minute). Without them the
   * planner guesses a pending task of the claimed type rare and sorts the whole queue per claim.
   */
  static final String ANALYZE_TASKS = "ANALYZE tasks, task_dependencies";
  static final String LAST_AUDIT_ID = "SELECT coalesce(max(id), 0) FROM audit_log";
  /**
   * The ceiling's refusals after audit row {@code %d}: each is a statement that did not do the
   * service's work (a claim that found the queue empty leaves a complete of no task, whose
   * refusal names no resource, as the service's client would have made no call: not counted).
   */
  static final String REFUSED_SINCE = """
      SELECT string_agg(DISTINCT action || ' ' || outcome || ' ' || coalesce(result->>'error', ''), ', ') FROM audit_log
      WHERE id > %d AND outcome <> 'ok' AND resource IS NOT NULL""";
  /** Claims per second and client count a prefill is sized for, with room: the queue must not run dry. */
  private static final int RAW_CLAIMS_PER_SECOND = 15_000;
  private static final int SERVICE_CLAIMS_PER_SECOND = 6_000;
  /**
   * A new service runs interpreted at first, and on a busy machine its JIT takes tens of seconds:
   * it is warmed up with windows of unmeasured lock cycles until every node has run ten thousand
   * of them (each node's JVM compiles on its own traffic: C2 takes a method after about 15 000
   * calls and loops, and a cycle is two requests) and two windows in a row agree within 15% (at
   * most twelve phase durations, 4 to 60 s, per node). With 3 000 cycles for the whole service a
   * two-node cluster was measured half-compiled against a single node that its own baseline runs
   * kept warming: 576 against 713-940 cycles/s, then 827 against 811-865 one repetition later.
   */
  private static final long WARMUP_WINDOW_MILLIS = 2000;
  private static final long WARMUP_MIN_MILLIS = 4000;
  private static final long WARMUP_MAX_MILLIS = 60_000;
  private static final long WARMUP_MIN_CYCLES_PER_NODE = 10_000;

  private final Vertx vertx;
  private final PrintStream console;
  private final BenchServices services;
  private final Pgbench pgbench;
  private final Path serviceScripts;
  private final BenchFloor floor;
  private final long durationMillis;
  private final CpuMeter cpu;
  private final AtomicLong runs = new AtomicLong();
  private final Set<BenchServices.Kind> warmed = new HashSet<>();

  Phases(Vertx vertx, BenchServices services, Pgbench pgbench, CpuMeter cpu, Path serviceScripts, BenchFloor floor,
         long durationMillis, PrintStream console) {
    this.console = console;
    this.cpu = cpu;
    this.vertx = vertx;
    this.services = services;
    this.pgbench = pgbench;
    this.serviceScripts = serviceScripts;
    this.floor = floor;
    this.durationMillis = durationMillis;
  }

  private int seconds() {
    return (int) Math.max(1, durationMillis / 1000);
  }

  /** The raw tables live in the main (cedar) service's database: the same PostgreSQL, the same database. */
  private BenchServices.Running rawHome() {
    return services.get(BenchServices.Kind.CEDAR);
  }

  Phase raw(String workload, String script, int clients) {
    return new Phase(workload, "raw SQL", clients, () -> {
      rawHome().database().execute(RawSchema.RESET);
      if (script.equals("claim.sql")) {
        rawHome().database().execute(RawSchema.PREFILL.formatted(RAW_CLAIMS_PER_SECOND * seconds()));
        rawHome().database().execute(RawSchema.ANALYZE);
      }
      return pgbench.run(script, clients, seconds());
    });
  }

  /**
   * The ceiling: pgbench replaying the service's own statements ({@link ServiceSqlScripts}) on the
   * main service's database, emptied first as for the service's phases. pgbench resolves a script
   * against its own directory, so the absolute path of a generated one runs as is.
   */
  Phase ceiling(String workload, String script, int clients) {
    return new Phase(workload, "service SQL raw (ceiling)", clients, () -> {
      rawHome().database().execute(BenchServices.RESET);
      long before = Long.parseLong(rawHome().database().execute(LAST_AUDIT_ID));
      Measurement measured = pgbench.run(serviceScripts.resolve(script).toAbsolutePath().toString(), clients, seconds());
      String refused = rawHome().database().execute(REFUSED_SINCE.formatted(before));
      if (refused != null) {
        throw new IllegalStateException("the ceiling's " + script + " did other work than the service's clients: its statements"
            + " were refused (" + refused + "), see " + serviceScripts.resolve(script));
      }
      return measured;
    });
  }

  /** The floor: the lock cycle over REST against {@link FloorServer} on the raw tables; warmed up like a service first. */
  Phase floor(int clients) {
    return new Phase("lock cycle", "bare Vert.x (floor)", clients, () -> {
      boolean cold = !floor.started();
      List<URI> urls = List.of(floor.url());
      if (cold) {
        warmUp("floor", urls);
      }
      rawHome().database().execute(RawSchema.RESET);
      long run = runs.incrementAndGet();
      return overRest(urls, clients, warmupMillis(), durationMillis, (rest, i) -> RestWorkloads.lockCycle(rest, "bench/" + run + "/" + i));
    });
  }

  /** The service of {@code kind} over REST, each client an agent of its own on a node of its own (round robin). */
  Phase rest(String workload, String side, BenchServices.Kind kind, int clients, ClientFactory factory) {
    return new Phase(workload, side, clients, () -> {
      BenchServices.Running service = reset(kind);
      long run = runs.incrementAndGet();
      return overRest(service, clients, (rest, i) -> factory.client(rest, "bench/" + run + "/" + i));
    });
  }

  /** G2: claims of prefilled tasks; answers of the same task twice are counted in {@code doubleClaims}. */
  Phase claims(BenchServices.Kind kind, int clients, AtomicLong doubleClaims) {
    return new Phase("claim", "REST", clients, () -> {
      BenchServices.Running service = reset(kind);
      service.database().execute(PREFILL_TASKS.formatted(SERVICE_CLAIMS_PER_SECOND * seconds()));
      service.database().execute(ANALYZE_TASKS);
      Set<String> claimed = ConcurrentHashMap.newKeySet();
      return overRest(service, clients, (rest, i) -> RestWorkloads.claim(rest, claimed, doubleClaims));
    });
  }

  private Measurement overRest(BenchServices.Running service, int clients, BiFunction<Rest, Integer, BenchClient> client) {
    return overRest(service.urls(), clients, warmupMillis(), durationMillis, client);
  }

  private Measurement overRest(List<URI> urls, int clients, long warmup, long duration, BiFunction<Rest, Integer, BenchClient> client) {
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(clients));
    try {
      return new LoadGenerator(vertx, cpu).run(clients, warmup, duration,
          i -> Future.succeededFuture(client.apply(new Rest(http, urls.get(i % urls.size()), writer(i).key()), i)));
    } finally {
      LoadGenerator.await(http.close());
    }
  }

  /** G7: the lock cycle as MCP tool calls over WebSocket, one socket (and MCP session) per client. */
  Phase mcpWebSocket(BenchServices.Kind kind, int clients) {
    return new Phase("lock cycle", "MCP over WebSocket", clients, () -> {
      BenchServices.Running service = reset(kind);
      WebSocketClient sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(clients + 1));
      try {
        long run = runs.incrementAndGet();
        return new LoadGenerator(vertx, cpu).run(clients, warmupMillis(), durationMillis, i -> McpSocket.open(sockets, node(service, i), writer(i).key(), "bench/" + run + "/" + i));
      } finally {
        LoadGenerator.await(sockets.close());
      }
    });
  }

  /** The same phase with the audit switched off for its duration (G5's baseline). */
  Phase withoutAudit(Phase phase, BenchServices.Kind kind) {
    return new Phase(phase.workload(), phase.side() + " without audit", phase.clients(), () -> {
      BenchServices.Running service = services.get(kind);
      service.database().execute(AUDIT_OFF);
      try {
        return phase.run().get();
      } finally {
        service.database().execute(AUDIT_ON);
      }
    });
  }

  /** The service of {@code kind} emptied; the first time, warmed up first. */
  private BenchServices.Running reset(BenchServices.Kind kind) {
    BenchServices.Running service = services.get(kind);
    if (warmed.add(kind)) {
      warmUp(service.kind().name(), service.urls());
    }
    service.database().execute(BenchServices.RESET);
    return service;
  }

  private void warmUp(String name, List<URI> urls) {
    int nodes = urls.size();
    long limit = nodes * Math.max(WARMUP_MIN_MILLIS, Math.min(WARMUP_MAX_MILLIS, 12 * durationMillis));
    long started = System.nanoTime();
    long cycles = 0;
    double previous = -1;
    double rate;
    while (true) {
      Measurement window = overRest(urls, BenchRun.CLIENTS, 0, WARMUP_WINDOW_MILLIS,
          (rest, i) -> RestWorkloads.lockCycle(rest, "bench/warmup/" + name + "/" + i));
      rate = window.opsPerSecond();
      cycles += window.ops();
      long elapsed = (System.nanoTime() - started) / 1_000_000;
      boolean steady = cycles >= nodes * WARMUP_MIN_CYCLES_PER_NODE && previous > 0
          && Math.abs(rate - previous) / Math.max(rate, previous) <= ComparisonResult.MAX_BASELINE_SPREAD;
      if (steady || elapsed + WARMUP_WINDOW_MILLIS > limit) {
        console.printf("bench: warmed the %s service up for %.0f s (%s, last window %.0f cycles/s)%n", name,
            elapsed / 1000.0, steady ? "steady" : "not steady yet, limit reached", rate);
        return;
      }
      previous = rate;
    }
  }

  private long warmupMillis() {
    return Math.min(2000, durationMillis / 5);
  }

  private static URI node(BenchServices.Running service, int client) {
    return service.urls().get(client % service.urls().size());
  }

  private Agents.Agent writer(int client) {
    List<Agents.Agent> writers = services.agents().writers();
    return writers.get(client % writers.size());
  }

  /** A REST client of a workload, given its calls and a lock key of its own. */
  @FunctionalInterface
  interface ClientFactory {
    BenchClient client(Rest rest, String key);
  }
}
