package dev.coordinator.stress.bench;

import dev.coordinator.stress.service.EmbeddedServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One {@code bin/stress bench}: starts the services it needs, creates the raw tables, runs each
 * goal's comparisons (baseline → measured → baseline per repetition), and writes bench.json,
 * bench.png and the table.
 */
public final class BenchRun {
  /** The client count performance.md names for the goals (G3's latency at one client besides). */
  static final int CLIENTS = 16;

  private final BenchOptions options;
  private final PrintStream console;
  private final List<BenchChart.Point> points = new ArrayList<>();

  public BenchRun(BenchOptions options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  /** bench.json's content; throws when the bench cannot run (no pgbench, no jar, a service that does not start). */
  public JsonObject run() throws IOException {
    Files.createDirectories(options.out());
    Path pgbenchPath = Pgbench.find().orElseThrow(() -> new IllegalStateException(
        "no pgbench on the PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client tools (postgresql-client)"));
    int clients = options.clients() == null ? CLIENTS : options.clients();
    int writers = options.goals().contains("G2") ? clients * 4 : clients;
    String started = Instant.now().toString();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2));
    try (BenchServices services = BenchServices.open(options, writers, console);
         BenchFloor floor = new BenchFloor(options.nodeJavaOptions(), () -> services.get(BenchServices.Kind.CEDAR).database().url(),
             options.out().resolve("floor.log").toAbsolutePath())) {
      // Interrupted (Ctrl-C, SIGTERM), the bench still stops the JVMs it started and drops their databases.
      Thread cleanup = new Thread(() -> {
        floor.close();
        services.close();
      }, "bench-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
      try {
        BenchServices.Running home = services.get(BenchServices.Kind.CEDAR);
        home.database().execute(RawSchema.CREATE);
        // The floor server is the service of its phases: its CPU is charged like the nodes'.
        CpuMeter cpu = new CpuMeter(EmbeddedServer.postmasterOf(Path.of(home.database().execute("SHOW data_directory"))),
            () -> Stream.concat(services.nodePids().stream(), floor.pid().stream().boxed()).toList());
        Pgbench pgbench = Pgbench.prepare(pgbenchPath, options.out(), home.database().url(), cpu);
        Path serviceScripts = ServiceSqlScripts.write(options.out().resolve("service-scripts"));
        Phases phases = new Phases(vertx, services, pgbench, cpu, serviceScripts, floor, options.durationMillis(), console);
        JsonObject results = new JsonObject();
        List<String[]> table = new ArrayList<>();
        for (String id : options.goals()) {
          results.put(id, measure(Goals.of(id, phases, clients), table));
        }
        results.put("raw_driver", "pgbench").put("pgbench", pgbenchPath.toString())
            .put("machine", machine(home.database().execute("SELECT version()"), loadBefore))
            .put("settings", new JsonObject().put("duration_s", options.durationMillis() / 1000.0)
                .put("warmup_s", Math.min(2000, options.durationMillis() / 5) / 1000.0)
                .put("service_warmup", "lock cycles in 2 s windows, when a service is first used, until 3000 ran and two windows agree within 15% (4 to 60 s)")
                .put("repetitions", options.repetitions()).put("clients", clients)
                .put("service_flags", "defaults (--session-timeout " + BenchServices.DEFAULT_SESSION_TIMEOUT_SECONDS
                    + ", --sweep-interval " + BenchServices.DEFAULT_SWEEP_MILLIS + ", synchronous_commit as the server has it)"
                    + " plus --policy-engine per goal; G8's nodes add --cluster")
                .put("node_java_options", options.nodeJavaOptions()))
            .put("started", started).put("finished", Instant.now().toString());
        Files.writeString(options.out().resolve("bench.json"), results.encodePrettily());
        BenchChart.write(points, "bench: throughput and p99 against clients, " + started, options.out().resolve("bench.png"));
        printTable(table);
        console.printf("bench: results in %s (bench.json, bench.png)%n", options.out());
        return results;
      } finally {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      }
    } finally {
      LoadGenerator.await(vertx.close());
    }
  }

  private JsonObject measure(Goal goal, List<String[]> table) {
    console.printf("bench: %s: %s%n", goal.id(), goal.measure());
    List<ComparisonResult> results = goal.comparisons().stream().map(ComparisonResult::new).toList();
    List<ComparisonResult> bounds = goal.bounds().stream().map(Goal.Bound::comparison).map(ComparisonResult::new).toList();
    for (int repetition = 1; repetition <= options.repetitions(); repetition++) {
      // A comparison whose baseline is the phase the previous one ended with starts from that run
      // (G1's and G6's ceiling and floor, against the goal's raw SQL): raw → service → raw → ceiling → raw ...
      Phase previousBaseline = null;
      Measurement previous = null;
      for (ComparisonResult result : Stream.concat(results.stream(), bounds.stream()).toList()) {
        Phase baseline = result.comparison().baseline();
        previous = repeat(goal, repetition, result, baseline == previousBaseline ? previous : null);
        previousBaseline = baseline;
      }
    }
    JsonObject extra = goal.extra().get();
    ComparisonResult headline = results.get(0);
    boolean met = results.stream().allMatch(ComparisonResult::met) && extra.getBoolean("met", true);
    JsonObject json = new JsonObject().put("service", Measurement.round(headline.service()))
        .put("raw", Measurement.round(headline.raw())).put("ratio", Measurement.round(headline.ratio()))
        .put("met", met).put("target", headline.comparison().bound()).put("unit", headline.comparison().unit())
        .put("measure", goal.measure()).put("raw_is", goal.baseline()).put("service_is", goal.service())
        .put("clients", headline.comparison().measured().clients())
        .put("service_p50_ms", Measurement.round(headline.medianMeasured().p50Ms()))
        .put("service_p99_ms", Measurement.round(headline.medianMeasured().p99Ms()))
        .put("raw_p50_ms", Measurement.round(headline.medianBaseline().p50Ms()))
        .put("raw_p99_ms", Measurement.round(headline.medianBaseline().p99Ms()))
        .put("service_cpu", headline.medianMeasured().cpu()).put("raw_cpu", headline.medianBaseline().cpu())
        .put("comparisons", new JsonArray(results.stream().map(ComparisonResult::json).toList()));
    extra.fieldNames().stream().filter(name -> !name.equals("met")).forEach(name -> json.put(name, extra.getValue(name)));
    for (ComparisonResult result : results) {
      table.add(new String[] {goal.id(), result.comparison().name(), figure(result.service()), figure(result.raw()),
          String.format("%.2f", result.ratio()), result.comparison().bound(), result.met() ? "yes" : "NO"});
    }
    extra.fieldNames().stream().filter(name -> !name.equals("met") && !name.endsWith("target_us")).forEach(name ->
        table.add(new String[] {goal.id(), name, String.valueOf(extra.getValue(name)), "", "", "", ""}));
    for (int i = 0; i < bounds.size(); i++) {
      ComparisonResult result = bounds.get(i);
      json.put(goal.bounds().get(i).key(), bound(goal.bounds().get(i), result));
      table.add(new String[] {goal.id(), result.comparison().name(), figure(result.service()), figure(result.raw()),
          String.format("%.2f", result.ratio()), "", ""});
    }
    return json;
  }

  /** One repetition of {@code result}: baseline (or {@code before}, a baseline run just done), measured, baseline; the last run. */
  private Measurement repeat(Goal goal, int repetition, ComparisonResult result, Measurement before) {
    Comparison c = result.comparison();
    Measurement first = before != null ? before : run(goal, repetition, c.baseline());
    Measurement measured = run(goal, repetition, c.measured());
    Measurement after = run(goal, repetition, c.baseline());
    result.add(new ComparisonResult.Repetition(first, measured, after));
    return after;
  }

  /** A bound's entry: its median figures and their ratio to raw; its runs as a comparison's, without a target. */
  private static JsonObject bound(Goal.Bound bound, ComparisonResult result) {
    JsonObject runs = result.json();
    runs.remove("target");
    runs.remove("met");
    Measurement median = result.medianMeasured();
    return new JsonObject().put("is", bound.is()).put("ops_per_s", Measurement.round(result.service()))
        .put("p50_ms", Measurement.round(median.p50Ms())).put("p99_ms", Measurement.round(median.p99Ms()))
        .put("raw_ops_per_s", Measurement.round(result.raw())).put("ratio_to_raw", Measurement.round(result.ratio()))
        .put("cpu", median.cpu()).put("comparison", runs);
  }

  private Measurement run(Goal goal, int repetition, Phase phase) {
    Measurement m = phase.run().get();
    points.add(new BenchChart.Point(phase.workload(), phase.side(), m));
    console.printf("bench: %s rep %d/%d  %-14s %-26s %3d clients: %9.1f/s  p50 %7.2f ms  p99 %7.2f ms%s%n", goal.id(),
        repetition, options.repetitions(), phase.workload(), phase.side(), phase.clients(), m.opsPerSecond(), m.p50Ms(),
        m.p99Ms(), m.errors() + m.empty() == 0 ? "" : "  (errors " + m.errors() + ", empty " + m.empty() + ")");
    if (m.cpu() != null) {
      console.printf("bench:   CPU per operation: postgres %s, service %s, load %s, other %s µs; machine busy %s%n",
          micros(m.cpu(), "postgres"), micros(m.cpu(), "service"), micros(m.cpu(), "load"), micros(m.cpu(), "other"),
          m.cpu().getDouble("machine_busy") == null ? "?" : Math.round(100 * m.cpu().getDouble("machine_busy")) + "%");
    }
    return m;
  }

  private static String micros(JsonObject cpu, String group) {
    Double value = cpu.getDouble(group + "_us_per_op");
    return value == null ? "?" : String.format("%.0f", value);
  }

  private static String figure(double value) {
    return value >= 100 ? String.format("%.0f", value) : String.format("%.2f", value);
  }

  private void printTable(List<String[]> rows) {
    String format = "%-4s %-30s %10s %10s %7s %8s %5s%n";
    console.printf(format, "goal", "measure", "service", "raw", "ratio", "target", "met?");
    rows.forEach(row -> console.printf(format, (Object[]) row));
  }

  private static JsonObject machine(String postgres, double loadBefore) {
    return new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
        .put("postgresql", postgres).put("load_average_before", loadBefore)
        .put("load_average_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
