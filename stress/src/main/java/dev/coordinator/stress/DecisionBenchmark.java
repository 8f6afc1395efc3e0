package dev.coordinator.stress;

import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import dev.coordinator.policy.CedarPolicyEngine;
import dev.coordinator.policy.NativePolicyEngine;
import dev.coordinator.policy.PolicyEngine;
import dev.coordinator.policy.PolicyRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The cost of one policy decision, per engine: p50, p90, p99 and max over many single decisions
 * on a mix of principals and actions, after a warm-up. Prints; asserts nothing. Run with
 * {@code mvn -B -q -pl stress -am install -DskipTests && mvn -B -q -pl stress exec:java}.
 */
public final class DecisionBenchmark {
  private static final int WARMUP = 20_000;
  private static final int MEASURED = 100_000;

  private DecisionBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    for (PolicyEngine engine : List.of(new CedarPolicyEngine(null), new NativePolicyEngine())) {
      report(engine);
    }
  }

  private static List<Principal> principals() {
    return List.of(
        new Principal("reader", "claude_code", 1),
        new Principal("writer", "claude_code", 2),
        new Principal("admin", "operator", 4),
        new Principal("bot", "ci_bot", 2, true, Set.of("submit_work", "check_locks"), Set.of()),
        new Principal("careful", "claude_code", 3, false, Set.of(), Set.of("cancel_task")));
  }

  private static List<PolicyRequest> requests() {
    return Commands.actionNames().map(action -> PolicyRequest.named(action, "src/a.py")).toList();
  }

  private static void report(PolicyEngine engine) {
    long[] nanos = sample(engine, WARMUP, MEASURED);
    System.out.printf("%-6s decisions=%d p50=%.1fus p90=%.1fus p99=%.1fus max=%.1fus%n", engine.name(),
        MEASURED, micros(nanos, 0.50), micros(nanos, 0.90), micros(nanos, 0.99), nanos[MEASURED - 1] / 1000.0);
  }

  /** The p50 of one decision in microseconds, on the mix of principals and actions (bench's G4). */
  public static double p50Micros(PolicyEngine engine, int warmup, int measured) {
    return micros(sample(engine, warmup, measured), 0.50);
  }

  /** Decision times in nanoseconds, sorted, after {@code warmup} unmeasured ones. */
  private static long[] sample(PolicyEngine engine, int warmup, int measured) {
    List<Principal> principals = principals();
    List<PolicyRequest> requests = requests();
    int allowed = 0;
    for (int i = 0; i < warmup; i++) {
      allowed += decide(engine, principals, requests, i).allowed() ? 1 : 0;
    }
    long[] nanos = new long[measured];
    for (int i = 0; i < measured; i++) {
      long start = System.nanoTime();
      Decision decision = decide(engine, principals, requests, i);
      nanos[i] = System.nanoTime() - start;
      allowed += decision.allowed() ? 1 : 0;
    }
    Arrays.sort(nanos);
    if (allowed == 0) {
      throw new IllegalStateException(engine.name() + " allowed nothing: the mix measures nothing");
    }
    return nanos;
  }

  private static Decision decide(PolicyEngine engine, List<Principal> principals, List<PolicyRequest> requests, int i) {
    return engine.decide(principals.get(i % principals.size()), requests.get(i % requests.size()));
  }

  private static double micros(long[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] / 1000.0;
  }
}
