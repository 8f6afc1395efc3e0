package dev.coordinator.domain;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * HARD-3: how many requests of one kind (waiting acquires, or waiting claims) one agent may have
 * waiting on this node. A wait over the bound is refused at once, with its audit row, and
 * changes nothing. Used on its verticle's event loop only: no locking.
 */
public final class WaitLimit {
  /** Waiting acquires, and separately waiting claims, per agent and node. */
  public static final int PER_AGENT = 32;

  private final String what;
  private final int perAgent;
  private final Map<String, Integer> waits = new HashMap<>();
  /** Every agent's waits together; read by the metrics scrape from another thread. */
  private final AtomicInteger total = new AtomicInteger();

  /** {@code what}: the kind of wait, for the message (e.g. "waiting acquires"). */
  public WaitLimit(String what, int perAgent) {
    this.what = what;
    this.perAgent = perAgent;
  }

  /**
   * Runs {@code wait} for the caller if it is under the bound (counting it until the wait is
   * answered); otherwise answers VALIDATION_FAILED on {@code wait_ms} and audits the refusal.
   */
  public Future<Reply> run(Pool pool, Authorized authorized, Supplier<Future<Reply>> wait) {
    String agent = authorized.envelope().agentId();
    int current = waits.getOrDefault(agent, 0);
    if (current >= perAgent) {
      return refuse(pool, authorized);
    }
    waits.put(agent, current + 1);
    total.incrementAndGet();
    return wait.get().onComplete(done -> {
      total.decrementAndGet();
      waits.computeIfPresent(agent, (id, count) -> count == 1 ? null : count - 1);
    });
  }

  /** How many requests of this kind wait on this node now, for the metrics. */
  public long total() {
    return total.get();
  }

  private Future<Reply> refuse(Pool pool, Authorized authorized) {
    Reply.Failure refusal = new Reply.Failure(ErrorCode.VALIDATION_FAILED,
        "agent " + authorized.envelope().agentId() + " already has " + perAgent + " " + what
            + " on this node (the limit); let one finish or cancel it, or ask without wait_ms",
        new JsonObject().put("field", "wait_ms").put("limit", perAgent));
    var audit = AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision())
        .addString(authorized.command().actionName())
        .addString(authorized.command().resource())
        .addString("error")
        .addValue(new JsonObject().put("error", refusal.code().name()).put("field", "wait_ms").put("limit", perAgent));
    return pool.preparedQuery(AuditSql.INSERT).execute(audit).map(done -> refusal);
  }
}
