package dev.coordinator.stress;

import dev.coordinator.cli.ExitCodes;
import dev.coordinator.stress.check.CheckSettings;
import dev.coordinator.stress.check.Checker;
import dev.coordinator.stress.check.FinalState;
import dev.coordinator.stress.check.Violation;
import dev.coordinator.stress.client.Api;
import dev.coordinator.stress.client.Budget;
import dev.coordinator.stress.client.Calls;
import dev.coordinator.stress.client.Client;
import dev.coordinator.stress.client.ClientContext;
import dev.coordinator.stress.client.LockClient;
import dev.coordinator.stress.client.McpApi;
import dev.coordinator.stress.client.McpSocketApi;
import dev.coordinator.stress.client.ProtectedResource;
import dev.coordinator.stress.client.QueueClient;
import dev.coordinator.stress.client.ReaderClient;
import dev.coordinator.stress.client.SessionClient;
import dev.coordinator.stress.client.TaskPool;
import dev.coordinator.stress.fault.Fault;
import dev.coordinator.stress.fault.FaultContext;
import dev.coordinator.stress.fault.Nemesis;
import dev.coordinator.stress.history.Event;
import dev.coordinator.stress.history.History;
import dev.coordinator.stress.output.LockTrace;
import dev.coordinator.stress.output.Results;
import dev.coordinator.stress.output.Timeline;
import dev.coordinator.stress.service.Agents;
import dev.coordinator.stress.service.AuditRows;
import dev.coordinator.stress.service.ServiceDatabase;
import dev.coordinator.stress.service.Service;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One {@code bin/stress run}: start the service (or use the target), run the scenario's clients and
 * the nemesis until the budget is spent, heal, end every session and wait out the reap bound, read
 * the final state, check the history, write the outputs.
 */
public final class StressRun {
  private static final List<String> LOCK_KEYS = List.of("stress/hot-a.txt", "stress/hot-b.txt", "db:stress-hot-c");
  private static final long FINAL_READ_EXTRA_MILLIS = 60_000;

  private final RunOptions options;
  private final List<Fault> faults;
  private final PrintStream console;

  /**
   * @param extraFaults faults beyond {@code --faults}, scheduled with them (the build's
   *     proof that the checker bites sabotages the database this way)
   */
  public StressRun(RunOptions options, List<Fault> extraFaults, PrintStream console) {
    this.options = options;
    this.faults = new ArrayList<>(options.faults());
    this.faults.addAll(extraFaults);
    this.console = console;
  }

  /** The run's results (results.json); {@code ok} decides the exit status. Throws when the service cannot start. */
  public JsonObject run() throws IOException, InterruptedException {
    Files.createDirectories(options.out());
    console.printf("stress: scenario %s, %d node(s), %d client(s), %d s, faults %s, seed %d%n", options.scenario(),
        options.nodes(), options.clients(), options.durationMillis() / 1000,
        faults.isEmpty() ? "none" : String.join(",", faults.stream().map(Fault::name).toList()), options.seed());
    Interruption interruption = Interruption.install(console);
    int status = ExitCodes.USAGE;
    try (Service service = Service.start(options, console);
         History history = new History(options.out().resolve("history.jsonl"))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
      Budget budget = new Budget(options.durationMillis(), options.maxOperations());
      interruption.stops(budget, service::close);
      ClientContext context = new ClientContext(history, new ProtectedResource(), budget, new TaskPool(),
          options.sessionTimeoutSeconds(), options.sweepMillis(), LOCK_KEYS, options.scenario().equals("mixed"));
      Crew crew = new Crew(options.seed(), budget);
      Nemesis nemesis = new Nemesis(faults, new FaultContext(service.nodes(), service.database(), crew, budget,
          options.sessionTimeoutSeconds(), options.sweepMillis()), history, budget, options.durationMillis(),
          options.seed() ^ 0x6e656d65L);
      staff(crew, service, http, context);
      Thread nemesisThread = new Thread(nemesis, "nemesis");
      nemesisThread.start();
      progress(history, budget, nemesis);
      nemesisThread.join();
      long healedNanos = System.nanoTime();
      crew.join(15_000);
      endSessions(crew, healedNanos);
      readFinalState(history, new Api(http, service.urls(), service.agents().admin().key(), 0));
      readAuditRows(history, service.database());
      history.close();
      JsonObject results = finish(history.events(), nemesis.injected(), service.agents());
      status = results.getBoolean("ok") ? ExitCodes.OK : ExitCodes.FAILED;
      return results;
    } finally {
      interruption.done(status);
    }
  }

  /** The scenario's clients: one writer agent per client; mixed adds the read-only agent. */
  private void staff(Crew crew, Service service, HttpClient http, ClientContext context) {
    List<Agents.Agent> writers = service.agents().writers();
    int clients = options.clients();
    for (int i = 0; i < clients; i++) {
      Agents.Agent agent = writers.get(i % writers.size());
      int node = i;
      String kind = kind(i, clients);
      // In mixed, the transports take turns shifted by one each round of the four kinds, so that
      // eight clients already drive every kind over REST and most kinds over each MCP transport.
      int transport = options.scenario().equals("mixed") ? (i + i / 4) % 3 : 0;
      crew.start("c" + i, (name, seed) -> {
        Calls calls = switch (transport) {
          case 1 -> new McpApi(http, service.urls(), agent.key(), node);
          case 2 -> new McpSocketApi(http, service.urls(), agent.key(), node);
          default -> new Api(http, service.urls(), agent.key(), node);
        };
        return switch (kind) {
          case "lock" -> new LockClient(name, agent.id(), calls, context, seed);
          case "producer" -> new QueueClient(name, agent.id(), calls, context, seed, QueueClient.Role.PRODUCER);
          case "worker" -> new QueueClient(name, agent.id(), calls, context, seed, QueueClient.Role.WORKER);
          default -> new SessionClient(name, agent.id(), calls, context, seed);
        };
      });
    }
    Agents.Agent reader = service.agents().reader();
    if (options.scenario().equals("mixed") && reader != null) {
      crew.start("reader", (name, seed) -> new ReaderClient(name, reader.id(), new Api(http, service.urls(), reader.key(), 0),
          context, seed));
    }
  }

  /** Which kind client {@code i} of {@code n} is in this scenario. */
  private String kind(int i, int n) {
    return switch (options.scenario()) {
      case "locks" -> "lock";
      case "queue" -> i % 3 == 0 ? "producer" : "worker";
      case "sessions" -> "session";
      default -> List.of("lock", "producer", "worker", "session").get(i % 4);
    };
  }

  /** A progress line every second until the budget is spent. */
  private void progress(History history, Budget budget, Nemesis nemesis) throws InterruptedException {
    boolean terminal = System.console() != null;
    long total = options.durationMillis() / 1000;
    int tick = 0;
    while (budget.running()) {
      Thread.sleep(Math.min(1000, Math.max(1, budget.remainingMillis())));
      tick++;
      if (terminal || tick % 5 == 0) {
        console.printf("%sstress: %ds/%ds  ok %d  fail %d  info %d  faults %d%s", terminal ? "\r" : "",
            Math.min(total, tick), total, history.count(Event.Type.OK), history.count(Event.Type.FAIL),
            history.count(Event.Type.INFO), nemesis.injected().size(), terminal ? "   " : "\n");
      }
    }
    if (terminal) {
      console.println();
    }
  }

  /**
   * Ends every live client's session; for the sessions that could not be ended (crashed clients,
   * unknown outcomes) waits until the service must have reaped them: timeout + two sweeps + a
   * second after their last call, or after the last fault was healed if that is later (a call
   * held by a paused node is served, and touches its session, only once the node resumes).
   */
  private void endSessions(Crew crew, long healedNanos) throws InterruptedException {
    long reapNanos = (options.sessionTimeoutSeconds() * 1000L + 2 * options.sweepMillis() + 1000) * 1_000_000;
    long until = System.nanoTime();
    for (Client client : crew.everyone()) {
      if (client.session() == null) {
        continue;
      }
      if (client.crashed()) {
        until = Math.max(until, Math.max(client.lastActivityNanos(), healedNanos) + reapNanos);
      } else if (!client.endSession()) {
        until = Math.max(until, System.nanoTime() + reapNanos);
      }
    }
    long wait = (until - System.nanoTime()) / 1_000_000;
    if (wait > 0) {
      console.printf("stress: waiting %d ms for the reaper (sessions of crashed clients)%n", wait);
      Thread.sleep(wait);
    }
  }

  /** Reads, as the administrator, the live locks, every acknowledged task and the audit chain's verdict. */
  private void readFinalState(History history, Api admin) throws InterruptedException {
    Set<String> tasks = new LinkedHashSet<>();
    for (var op : History.operations(history.events())) {
      if (op.op().equals("submit") && op.ok()) {
        tasks.add(op.result().getJsonObject("task").getString("id"));
      }
    }
    record(history, "read_locks", new JsonObject(), () -> admin.get("/v1/locks", 0));
    ExecutorService readers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> reads = new ArrayList<>();
      for (String id : tasks) {
        reads.add(readers.submit(() -> {
          record(history, "read_task", new JsonObject().put("task_id", id), () -> admin.get("/v1/tasks/" + id, 0));
          return null;
        }));
      }
      for (Future<?> read : reads) {
        read.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      readers.shutdown();
    }
    record(history, "verify_audit", new JsonObject(), () -> admin.get("/v1/audit/verify", FINAL_READ_EXTRA_MILLIS));
  }

  /**
   * Records the whole audit trail as operations {@code read_audit} of process {@code final} (one a
   * page), when the harness can reach the database; without it the checker cannot check AUD-1.
   */
  private void readAuditRows(History history, ServiceDatabase database) {
    if (database == null) {
      console.println("stress: no --db-url: the audit rows are not read, AUD-1 is not checked");
      return;
    }
    try {
      AuditRows.read(database, rows -> history.invoke(FinalState.PROCESS, "read_audit", new JsonObject())
          .ok(new JsonObject().put("rows", rows)));
    } catch (SQLException e) {
      history.invoke(FinalState.PROCESS, "read_audit", new JsonObject()).info(e.getMessage());
    }
  }

  @FunctionalInterface
  private interface Read {
    Api.Reply get() throws IOException, InterruptedException;
  }

  private static void record(History history, String op, JsonObject args, Read read) throws InterruptedException {
    History.Pending pending = history.invoke(FinalState.PROCESS, op, args);
    try {
      Api.Reply reply = read.get();
      if (reply.success()) {
        pending.ok(reply.body());
      } else {
        pending.fail(reply.errorCode(), reply.body());
      }
    } catch (IOException e) {
      pending.info(e.toString());
    }
  }

  private JsonObject finish(List<Event> events, List<JsonObject> injected, Agents agents) throws IOException {
    CheckSettings settings = new CheckSettings(Duration.ofMillis(options.clockUncertaintyMillis()),
        options.sessionTimeoutSeconds(), options.sweepMillis(), agents.reader() == null ? null : agents.reader().id());
    Checker.Verdict verdict = Checker.check(events, settings);
    JsonObject counts = new JsonObject();
    for (Event.Type type : List.of(Event.Type.OK, Event.Type.FAIL, Event.Type.INFO)) {
      counts.put(type.json(), events.stream().filter(e -> e.type() == type).count());
    }
    JsonObject results = Results.json(options.seed(), options.scenario(), options.nodes(), options.clients(),
        options.durationMillis(), injected, verdict, counts, settings);
    Path out = options.out();
    Results.write(results, out.resolve("results.json"));
    LockTrace.write(events, out.resolve("lock-trace.jsonl"));
    Timeline.write(events, verdict.violations(), "stress run: " + options.scenario() + ", seed " + options.seed() + ", "
        + verdict.violations().size() + " violation(s)", out.resolve("timeline.png"));
    summary(results, verdict);
    return results;
  }

  private void summary(JsonObject results, Checker.Verdict verdict) {
    console.printf("stress: %d operations checked (ok %d, fail %d, info %d), %d fault(s) injected%n", verdict.operations(),
        results.getJsonObject("counts").getLong("ok"), results.getJsonObject("counts").getLong("fail"),
        results.getJsonObject("counts").getLong("info"), results.getJsonArray("faults").size());
    if (verdict.ok()) {
      console.println("stress: no violations (LOCK-1..4, TASK-1..5, ENF-1, IDEM, AUD-1, AUD-2)");
    }
    for (Violation violation : verdict.violations()) {
      console.printf("stress: VIOLATION %s (seed %d): %s%s%n", violation.invariant(), options.seed(), violation.detail(),
          violation.ops().isEmpty() ? "" : " [ops " + violation.ops() + " in history.jsonl]");
    }
    console.printf("stress: results in %s (results.json, history.jsonl, timeline.png, lock-trace.jsonl)%n", options.out());
  }
}
