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
    List<Principal> principals = List.of(
        new Principal("reader", "claude_code", 1),
        new Principal("writer", "claude_code", 2),
        new Principal("admin", "operator", 4),
        new Principal("bot", "ci_bot", 2, true, Set.of("submit_work", "check_locks"), Set.of()),
        new Principal("careful", "claude_code", 3, false, Set.of(), Set.of("cancel_task")));
    List<PolicyRequest> requests = Commands.actionNames().map(action -> PolicyRequest.named(action, "src/a.py")).toList();
    for (PolicyEngine engine : List.of(new CedarPolicyEngine(null), new NativePolicyEngine())) {
      report(engine, principals, requests);
    }
  }

  private static void report(PolicyEngine engine, List<Principal> principals, List<PolicyRequest> requests) {
    int allowed = 0;
    for (int i = 0; i < WARMUP; i++) {
      allowed += decide(engine, principals, requests, i).allowed() ? 1 : 0;
    }
    long[] nanos = new long[MEASURED];
    for (int i = 0; i < MEASURED; i++) {
      long start = System.nanoTime();
      Decision decision = decide(engine, principals, requests, i);
      nanos[i] = System.nanoTime() - start;
      allowed += decision.allowed() ? 1 : 0;
    }
    Arrays.sort(nanos);
    System.out.printf("%-6s decisions=%d p50=%.1fus p90=%.1fus p99=%.1fus max=%.1fus (allowed %d)%n", engine.name(),
        MEASURED, micros(nanos, 0.50), micros(nanos, 0.90), micros(nanos, 0.99), nanos[MEASURED - 1] / 1000.0, allowed);
  }

  private static Decision decide(PolicyEngine engine, List<Principal> principals, List<PolicyRequest> requests, int i) {
    return engine.decide(principals.get(i % principals.size()), requests.get(i % requests.size()));
  }

  private static double micros(long[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] / 1000.0;
  }
}
