package dev.coordinator.stress.bench;

import dev.coordinator.policy.CedarPolicyEngine;
import dev.coordinator.policy.NativePolicyEngine;
import dev.coordinator.stress.DecisionBenchmark;
import dev.coordinator.stress.bench.BenchServices.Kind;
import dev.coordinator.stress.bench.Comparison.Metric;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** G1–G8 of performance.md as comparisons of phases, at its client counts (or {@code --clients}). */
final class Goals {
  private static final int DECISION_WARMUP = 5_000;
  private static final int DECISIONS = 20_000;
  private static final double DECISION_ADDED_MICROS = 50;
  /** G4 compares with the native engine: the service has no allow-all engine, and the bench adds none (docs/performance.md). */
  private static final String BASELINE_ENGINE = "native (not allow-all)";

  private Goals() {
  }

  static Goal of(String id, Phases phases, int clients) {
    return switch (id) {
      case "G1" -> g1(phases, clients);
      case "G2" -> g2(phases, clients);
      case "G3" -> simple(id, "acquire latency through REST ÷ raw SQL: p50 at 1 client, p99 at " + clients, "raw SQL", "REST",
          new Comparison("acquire p50, 1 client", "ms", Metric.P50, false, 2.0,
              phases.raw("acquire", "acquire.sql", 1), acquire(phases, 1)),
          new Comparison("acquire p99, " + clients + " clients", "ms", Metric.P99, false, 2.0,
              phases.raw("acquire", "acquire.sql", clients), acquire(phases, clients)));
      case "G4" -> new Goal(id, "lock cycles/s with Cedar ÷ with the native engine (not allow-all, see docs/performance.md)",
          "--policy-engine native", "--policy-engine cedar", List.of(new Comparison("lock cycle, cedar ÷ native", "cycles/s",
              Metric.THROUGHPUT, true, 0.90, lockCycle(phases, Kind.NATIVE, clients), lockCycle(phases, Kind.CEDAR, clients))),
          Goals::decisionCost);
      case "G5" -> simple(id, "lock cycles/s with audit ÷ without (a trigger the bench adds in its own database drops the rows)",
          "without audit", "with audit", new Comparison("lock cycle, audit ÷ none", "cycles/s", Metric.THROUGHPUT, true, 0.85,
              phases.withoutAudit(lockCycle(phases, Kind.CEDAR, clients), Kind.CEDAR), lockCycle(phases, Kind.CEDAR, clients)));
      case "G6" -> g6(phases, clients);
      case "G7" -> simple(id, "lock cycles/s as MCP tool calls over WebSocket ÷ REST", "REST", "MCP over WebSocket",
          new Comparison("lock cycle, MCP-WS ÷ REST", "cycles/s", Metric.THROUGHPUT, true, 0.90,
              lockCycle(phases, Kind.CEDAR, clients), phases.mcpWebSocket(Kind.CEDAR, clients)));
      case "G8" -> simple(id, "lock cycles/s on two clustered nodes ÷ one node, same total clients", "1 node", "2 clustered nodes",
          new Comparison("lock cycle, 2 nodes ÷ 1", "cycles/s", Metric.THROUGHPUT, true, 0.90,
              lockCycle(phases, Kind.CEDAR, clients), phases.rest("lock cycle", "REST, 2 nodes", Kind.CLUSTER, clients,
                  RestWorkloads::lockCycle)));
      default -> throw new IllegalArgumentException(id);
    };
  }

  private static Goal simple(String id, String measure, String baseline, String service, Comparison... comparisons) {
    return new Goal(id, measure, baseline, service, List.of(comparisons), JsonObject::new);
  }

  /** G1, with the ceiling (the service's SQL replayed raw) and the floor (a bare Vert.x server) beside raw and service. */
  private static Goal g1(Phases phases, int clients) {
    Phase raw = phases.raw("lock cycle", "lock_cycle.sql", clients);
    return new Goal("G1", "lock acquire+release cycles/s through REST ÷ raw SQL (2 transactions, each with its audit row)",
        "raw SQL", "REST", List.of(new Comparison("lock cycle", "cycles/s", Metric.THROUGHPUT, true, 1.0, raw,
            lockCycle(phases, Kind.CEDAR, clients))), JsonObject::new, List.of(
            bound("ceiling", "the service's own statements (LockSql.ACQUIRE, LockSql.RELEASE) replayed by pgbench on its database",
                "cycles/s", raw, phases.ceiling("lock cycle", ServiceSqlScripts.LOCK_CYCLE, clients)),
            bound("floor", "a bare Vert.x HTTP server + Vert.x pg client (FloorServer, its own JVM) running lock_cycle.sql's"
                + " statements per request, driven by the same REST clients", "cycles/s", raw, phases.floor(clients))));
  }

  /** G6, with the ceiling beside raw and service. */
  private static Goal g6(Phases phases, int clients) {
    Phase raw = phases.raw("job lifecycle", "lifecycle.sql", clients);
    return new Goal("G6", "submit→claim→complete jobs/s through REST ÷ raw SQL (3 transactions, each with its audit row)",
        "raw SQL", "REST", List.of(new Comparison("job lifecycle", "jobs/s", Metric.THROUGHPUT, true, 0.70, raw,
            phases.rest("job lifecycle", "REST", Kind.CEDAR, clients, (rest, key) -> RestWorkloads.lifecycle(rest)))),
        JsonObject::new, List.of(bound("ceiling",
            "the service's own statements (TaskSql.SUBMIT, TaskSql.CLAIM, TaskSql.COMPLETE) replayed by pgbench on its database",
            "jobs/s", raw, phases.ceiling("job lifecycle", ServiceSqlScripts.LIFECYCLE, clients))));
  }

  /** A side reported against the goal's raw SQL, not judged: its comparison's target (0) is always met. */
  private static Goal.Bound bound(String key, String is, String unit, Phase raw, Phase measured) {
    return new Goal.Bound(key, is, new Comparison(key + " ÷ raw", unit, Metric.THROUGHPUT, true, 0, raw, measured));
  }

  private static Goal g2(Phases phases, int clients) {
    AtomicLong doubleClaims = new AtomicLong();
    int many = clients * 4;
    return new Goal("G2", "claims/s through REST ÷ raw SQL claim (SKIP LOCKED + audit); " + many + " ÷ " + clients + " workers",
        "raw SQL", "REST", List.of(
            new Comparison("claim", "claims/s", Metric.THROUGHPUT, true, 0.60,
                phases.raw("claim", "claim.sql", clients), phases.claims(Kind.CEDAR, clients, doubleClaims)),
            new Comparison(many + " ÷ " + clients + " workers", "claims/s", Metric.THROUGHPUT, true, 0.80,
                phases.claims(Kind.CEDAR, clients, doubleClaims), phases.claims(Kind.CEDAR, many, doubleClaims))),
        () -> new JsonObject().put("double_claims", doubleClaims.get()).put("met", doubleClaims.get() == 0));
  }

  private static Phase lockCycle(Phases phases, Kind kind, int clients) {
    return phases.rest("lock cycle", kind == Kind.NATIVE ? "REST, native engine" : "REST", kind, clients, RestWorkloads::lockCycle);
  }

  private static Phase acquire(Phases phases, int clients) {
    return phases.rest("acquire", "REST", Kind.CEDAR, clients, RestWorkloads::acquireFresh);
  }

  /** G4's added cost per decision: Cedar's p50 minus the native engine's, in this JVM (the same policies and mix). */
  private static JsonObject decisionCost() {
    try {
      double cedar = DecisionBenchmark.p50Micros(new CedarPolicyEngine(null), DECISION_WARMUP, DECISIONS);
      double nativeEngine = DecisionBenchmark.p50Micros(new NativePolicyEngine(), DECISION_WARMUP, DECISIONS);
      double added = cedar - nativeEngine;
      return new JsonObject().put("baseline_engine", BASELINE_ENGINE).put("decision_p50_us", new JsonObject().put("cedar", Measurement.round(cedar))
              .put("native", Measurement.round(nativeEngine)).put("added", Measurement.round(added)))
          .put("decision_added_target_us", DECISION_ADDED_MICROS).put("met", added <= DECISION_ADDED_MICROS);
    } catch (Exception | LinkageError e) {
      return new JsonObject().put("baseline_engine", BASELINE_ENGINE).put("decision_p50_us", null).put("decision_error", e.toString());
    }
  }
}
