package dev.coordinator.task;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Document;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.event.Event;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import dev.coordinator.domain.Idempotency;
import dev.coordinator.domain.WaitLimit;
import dev.coordinator.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the work queue: takes policy-stamped task commands, runs each mutation as one statement
 * with its audit rows, and sweeps expired leases and deadlines on a timer (safe on every node at
 * once: the sweep skips rows another node's sweep holds). A waiting claim is a row of
 * {@code claim_waits} while it waits, so the database notifies when work it could take appears
 * (whichever node, sweeper or operator made it claimable); this node's listening connection
 * relays that to its waiters.
 */
public final class QueueVerticle extends PooledVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(QueueVerticle.class);

  private final long sweepIntervalMs;
  private Idempotency idempotency;
  private ClaimWaiters waiters;
  private final WaitLimit waitLimit = new WaitLimit("waiting claims", WaitLimit.PER_AGENT);
  private long sweeper;
  private boolean sweeping;


  private final String nodeId;
  private final Metrics metrics;

  public QueueVerticle(DatabaseUrl database, int poolSize, String nodeId, long sweepIntervalMs, Metrics metrics) {
    super(database, poolSize);
    this.nodeId = nodeId;
    this.metrics = metrics;
    metrics.gauge("coordinator_waiting_claims", "claims waiting for work on this node", waitLimit::total);
    this.sweepIntervalMs = sweepIntervalMs;
  }

  @Override
  protected Future<?> startWithPool() {
    idempotency = new Idempotency(pool);
    waiters = new ClaimWaiters(vertx);
    sweeper = vertx.setPeriodic(sweepIntervalMs, id -> sweep());
    return Future.all(
        serve(Addresses.TASKS, authorized -> ((TaskCommand) authorized.command()).accept(new Operations(authorized))),
        vertx.eventBus().<Event>localConsumer(Addresses.TASK_AVAILABLE, this::available).completion(),
        vertx.eventBus().<Event>localConsumer(Addresses.SESSION_ENDED, this::sessionEnded).completion(),
        vertx.eventBus().localConsumer(Addresses.RESYNC, ignored -> waiters.wake(null)).completion(),
        vertx.eventBus().localConsumer(Addresses.SHUTTING_DOWN, ignored -> waiters.close()).completion());
  }

  @Override
  protected Future<?> stopBeforePool() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }


  private void available(Message<Event> message) {
    if (message.body() instanceof Event.TaskAvailable available) {
      waiters.wake(available.taskType());
    }
  }

  private void sessionEnded(Message<Event> message) {
    if (message.body() instanceof Event.SessionEnded ended) {
      waiters.sessionEnded(ended.sessionId());
    }
  }

  /** Whether a claim's answer is final: a task, or an error; not "nothing yet". */
  private static boolean found(Reply reply) {
    return !(reply instanceof Reply.Success success) || success.payload().toJson().getValue("task") != null;
  }

  /** One pass; a pass still running when the timer fires again is not doubled. */
  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    pool.preparedQuery(TaskSql.SWEEP).execute(AuditContext.system("lease or deadline ran out"))
        .onSuccess(requeued -> metrics.leaseExpiries(requeued.size()))
        .compose(done -> pool.preparedQuery(TaskSql.SWEEP_ORPHANS).execute(AuditContext.system("dependency did not complete")))
        .compose(done -> pool.query(TaskSql.OPEN_BY_TYPE).execute())
        .onSuccess(open -> metrics.queue(queueRows(open)))
        .onFailure(error -> LOG.warn("queue sweep failed; the next one retries: {}", error.getMessage()))
        .onComplete(done -> sweeping = false);
  }

  private static List<Metrics.QueueRow> queueRows(RowSet<Row> rows) {
    List<Metrics.QueueRow> open = new ArrayList<>();
    rows.forEach(row -> open.add(new Metrics.QueueRow(row.getString("task_type"), row.getString("status"),
        row.getLong("tasks"), row.getDouble("oldest_seconds"))));
    return open;
  }

  /** One command's work; the visitor makes a new task command a compile error here. */
  private final class Operations implements TaskCommand.Handler<Future<Reply>> {
    private final Authorized authorized;

    Operations(Authorized authorized) {
      this.authorized = authorized;
    }

    @Override
    public Future<Reply> submit(TaskCommand.Submit command) {
      return idempotency.run(authorized, client -> TaskStore.submit(client, authorized, command,
          authorized.scope().claimTrust()));
    }

    @Override
    public Future<Reply> claim(TaskCommand.Claim command) {
      if (command.waitMs() == 0) {
        return attempt(command, true);
      }
      var envelope = authorized.envelope();
      ClaimWaiters.Request request = new ClaimWaiters.Request(envelope.agentId(), envelope.requestId(),
          envelope.sessionId(), command.taskTypes());
      return waitLimit.run(pool, authorized, () -> waiting(request, command.waitMs(), () -> waiters.await(request,
          command.waitMs(), last -> attempt(command, last), QueueVerticle::found, TaskStore.one(authorized, null))));
    }

    /**
     * Runs {@code wait} while the claim is a row of {@code claim_waits}: entered before its first
     * try, so work that appears from then on is notified; gone once it is answered.
     */
    private Future<Reply> waiting(ClaimWaiters.Request request, int waitMs, Supplier<Future<Reply>> wait) {
      UUID id = UUID.randomUUID();
      return TaskStore.enterWait(pool, id, request, nodeId, waitMs)
          .compose(entered -> wait.get())
          .eventually(() -> TaskStore.leaveWait(pool, id));
    }

    private Future<Reply> attempt(TaskCommand.Claim command, boolean last) {
      return idempotency.run(authorized, reply -> last || found(reply),
          client -> TaskStore.claim(client, authorized, command));
    }

    @Override
    public Future<Reply> renew(TaskCommand.Renew command) {
      return idempotency.run(authorized, client -> TaskStore.renew(client, authorized, command));
    }

    @Override
    public Future<Reply> complete(TaskCommand.Complete command) {
      return idempotency.run(authorized, client -> TaskStore.complete(client, authorized, command));
    }

    @Override
    public Future<Reply> cancel(TaskCommand.Cancel command) {
      return idempotency.run(authorized, client -> TaskStore.cancel(client, authorized, command));
    }

    @Override
    public Future<Reply> cancelWait(TaskCommand.CancelWait command) {
      boolean cancelled = waiters.cancel(authorized.envelope().agentId(), command.requestId());
      return Future.succeededFuture(Reply.success(new Document(new JsonObject().put("cancelled", cancelled))));
    }

    @Override
    public Future<Reply> get(TaskCommand.Get command) {
      return TaskStore.get(pool, authorized, command);
    }

    @Override
    public Future<Reply> list(TaskCommand.ListTasks command) {
      return TaskStore.list(pool, authorized, command);
    }
  }
}
