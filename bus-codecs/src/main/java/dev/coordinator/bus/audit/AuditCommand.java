package dev.coordinator.bus.audit;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import java.time.Instant;

/** The audit verticle's vocabulary: reading the trail and proving it intact. */
public sealed interface AuditCommand extends Command {

  /** Handles every audit command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R query(Query command);

    R verify(Verify command);
  }

  <R> R accept(Handler<R> handler);

  /** Entries newest first; null filters match everything. */
  @Action(value = "query_audit", mutates = false)
  record Query(String agent, String action, Instant since, int limit) implements AuditCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.query(this);
    }

    @Override
    public String resource() {
      return agent == null ? "*" : agent;
    }
  }

  /** Walks the chain of seals and counts the rows not sealed yet. */
  @Action(value = "verify_audit", mutates = false, admin = true)
  record Verify() implements AuditCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.verify(this);
    }

    @Override
    public String resource() {
      return "*";
    }
  }
}
