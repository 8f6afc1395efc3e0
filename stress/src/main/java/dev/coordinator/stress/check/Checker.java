package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Event;
import dev.coordinator.stress.history.History;
import dev.coordinator.stress.history.Operation;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a history is possible under the requirements, from the history alone (the
 * clients' view, with the service's answers), never from the service's view of itself. Unknown
 * outcomes count as maybe-happened: they may end something (a release, a completion), never prove
 * that something is held. Sorting dominates: checking is O(n log n) in the history.
 */
public final class Checker {
  private Checker() {
  }

  /** The verdict: the violations, and how many client operations were checked. */
  public record Verdict(List<Violation> violations, long operations) {
    public boolean ok() {
      return violations.isEmpty();
    }
  }

  public static Verdict check(List<Event> events, CheckSettings settings) {
    List<Operation> operations = History.operations(events);
    Sessions sessions = new Sessions(operations, settings);
    FinalState end = new FinalState(operations);
    List<Violation> violations = new ArrayList<>();
    violations.addAll(LockCheck.check(operations, sessions, settings));
    violations.addAll(TaskCheck.check(operations, sessions, end, settings));
    violations.addAll(EndCheck.check(operations, sessions, end, settings));
    violations.addAll(AuditCheck.check(operations, end, settings));
    long checked = operations.stream()
        .filter(op -> !op.process().equals(FinalState.PROCESS) && !op.process().equals("nemesis") && op.completion() != null)
        .count();
    return new Verdict(violations, checked);
  }
}
