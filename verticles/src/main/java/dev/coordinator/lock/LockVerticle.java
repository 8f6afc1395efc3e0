package dev.coordinator.lock;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Document;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.event.Event;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import dev.coordinator.domain.Idempotency;
import dev.coordinator.domain.WaitLimit;
import dev.coordinator.metrics.Metrics;
import dev.coordinator.lock.LockStore.Attempt;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Owns the locks. Takes only policy-stamped commands (the domain gate sees to that) and runs each
 * mutation as one statement with its audit row. Waiting acquires stand in the database's line of
 * waiters; they wake on what the database notifies (relayed by this node's listening connection),
 * whichever node, sweeper or operator made the change, without polling.
 */
public final class LockVerticle extends PooledVerticle {
  private Idempotency idempotency;
  private LockWaiters waiters;
  private final WaitLimit waitLimit = new WaitLimit("waiting acquires", WaitLimit.PER_AGENT);
  private final String nodeId;
  private final Metrics metrics;

  public LockVerticle(DatabaseUrl database, int poolSize, String nodeId, Metrics metrics) {
    super(database, poolSize);
    this.nodeId = nodeId;
    this.metrics = metrics;
    metrics.gauge("coordinator_waiting_acquires", "acquires waiting in line for a lock on this node", waitLimit::total);
  }

  @Override
  protected Future<?> startWithPool() {
    idempotency = new Idempotency(pool);
    waiters = new LockWaiters(vertx, new LockWaiters.Attempts() {
      @Override
      public Future<Attempt> attempt(LockWaiters.Waiter waiter, boolean last) {
        return LockVerticle.this.attempt(waiter.authorized, waiter.acquire, last, place(waiter, last));
      }

      @Override
      public Future<Reply> refuse(LockWaiters.Waiter waiter) {
        return idempotency.run(waiter.authorized,
            client -> LockStore.refuseQueued(client, waiter.authorized, waiter.acquire, waiter.seq()));
      }

      @Override
      public Future<Void> leave(LockWaiters.Waiter waiter) {
        return LockStore.leave(pool, waiter.seq());
      }
    });
    return Future.all(
        serve(Addresses.LOCKS, authorized -> ((LockCommand) authorized.command()).accept(new Operations(authorized))),
        vertx.eventBus().<Event>localConsumer(Addresses.LOCK_RELEASED, this::released).completion(),
        vertx.eventBus().<Event>localConsumer(Addresses.SESSION_ENDED, this::sessionEnded).completion(),
        vertx.eventBus().<Event>localConsumer(Addresses.WAIT_LEFT, this::left).completion(),
        vertx.eventBus().localConsumer(Addresses.RESYNC, ignored -> waiters.resync()).completion(),
        vertx.eventBus().localConsumer(Addresses.SHUTTING_DOWN, ignored -> waiters.close()).completion());
  }

  private void released(Message<Event> message) {
    if (message.body() instanceof Event.LockReleased released) {
      waiters.released(released.key());
    }
  }

  private void left(Message<Event> message) {
    if (message.body() instanceof Event.WaitLeft left) {
      waiters.left(left.seq());
    }
  }

  /** A waiter's place in line: in it, or entering it if its first attempt is refused. */
  private LockStore.Place place(LockWaiters.Waiter waiter, boolean last) {
    if (waiter.seq() >= 0) {
      return new LockStore.Place(waiter.seq(), nodeId, 0);
    }
    return last ? LockStore.Place.NONE : new LockStore.Place(null, nodeId, waiter.acquire.waitMs());
  }

  private void sessionEnded(Message<Event> message) {
    if (message.body() instanceof Event.SessionEnded ended) {
      waiters.sessionEnded(ended.sessionId());
    }
  }

  private Future<Attempt> attempt(Authorized authorized, LockCommand.Acquire acquire, boolean last, LockStore.Place place) {
    Attempt[] live = new Attempt[1];
    return idempotency.run(authorized, reply -> last || reply instanceof Reply.Success,
            client -> LockStore.acquire(client, authorized, acquire, last, place)
            .map(attempt -> {
              live[0] = attempt;
              return attempt.reply();
            }))
        .map(reply -> live[0] != null && live[0].reply() == reply ? live[0] : Attempt.last(reply));
  }

  /** One command's work; the visitor makes a new lock command a compile error here. */
  private final class Operations implements LockCommand.Handler<Future<Reply>> {
    private final Authorized authorized;

    Operations(Authorized authorized) {
      this.authorized = authorized;
    }

    @Override
    public Future<Reply> acquire(LockCommand.Acquire command) {
      return command.waitMs() > 0
          ? waitLimit.run(pool, authorized,
              () -> metrics.lockWait(waiters.enqueue(authorized, command), Reply.Success.class::isInstance))
          : attempt(authorized, command, true, LockStore.Place.NONE).map(Attempt::reply);
    }

    @Override
    public Future<Reply> release(LockCommand.Release command) {
      return idempotency.run(authorized, client -> LockStore.release(client, authorized, command));
    }

    @Override
    public Future<Reply> renew(LockCommand.Renew command) {
      return idempotency.run(authorized, client -> LockStore.renew(client, authorized, command));
    }

    @Override
    public Future<Reply> check(LockCommand.Check command) {
      return LockStore.check(pool, command);
    }

    @Override
    public Future<Reply> cancelWait(LockCommand.CancelWait command) {
      String agent = authorized.envelope().agentId();
      boolean here = waiters.cancel(agent, command.requestId());
      return LockStore.cancelWait(pool, agent, command.requestId())
          .map(inLine -> Reply.success(new Document(new JsonObject().put("cancelled", here || inLine))));
    }

    @Override
    public Future<Reply> validate(LockCommand.Validate command) {
      return LockStore.validate(pool, command);
    }
  }
}
