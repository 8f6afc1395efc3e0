package dev.coordinator.http;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Refusal;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.cluster.LocalDelivery;
import dev.coordinator.policy.PolicyVerticle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;
import java.util.UUID;

/** How an entry point hands a command to the policy verticle: the one way in, for REST and MCP alike. */
public final class PolicyClient {
  /** Longer than the policy verticle's own deadline, so the caller hears its TIMEOUT reply. */
  private static final long POLICY_TIMEOUT_MS = PolicyVerticle.DOMAIN_TIMEOUT_MS + 5_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private PolicyClient() {
  }

  /** The command's reply; never a failed future. */
  public static Future<Reply> send(EventBus bus, Envelope envelope) {
    DeliveryOptions delivery = LocalDelivery.options().setSendTimeout(POLICY_TIMEOUT_MS + envelope.command().waitMs());
    Future<Reply> reply = bus.<Reply>request(Addresses.POLICY, envelope, delivery)
        .map(Message::body)
        .otherwise(PolicyClient::busFailure);
    return envelope.command().mutates() ? reply.onSuccess(answered -> changed(bus, envelope.command().actionName())) : reply;
  }

  /**
   * Hands a request the entry point refused (bad input) to the policy verticle, which records it
   * and answers the refusal: no refusal goes unaudited (HARD-2). Never a failed future.
   */
  public static Future<Reply> refuse(EventBus bus, Refusal refusal) {
    return bus.<Reply>request(Addresses.REFUSALS, refusal, LocalDelivery.options().setSendTimeout(POLICY_TIMEOUT_MS))
        .map(Message::body)
        .otherwise(PolicyClient::busFailure)
        .onSuccess(answered -> changed(bus, refusal.action()));
  }

  /** Tells this node's dashboards that the state or the audit trail may have changed ({@link Addresses#CHANGED}). */
  private static void changed(EventBus bus, String action) {
    bus.publish(Addresses.CHANGED, action, LOCAL);
  }

  /**
   * Stops {@code agentId}'s waits (an acquire in line, a claim waiting for work) of request
   * {@code requestId}, for a client that is gone: each stop is a command through the gate like any other.
   */
  public static void cancelWaits(EventBus bus, String agentId, String session, String requestId) {
    for (Command cancel : List.<Command>of(new LockCommand.CancelWait(requestId), new TaskCommand.CancelWait(requestId))) {
      send(bus, new Envelope(agentId, session, "cancel-" + UUID.randomUUID(), null, cancel));
    }
  }

  private static Reply busFailure(Throwable error) {
    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      return Reply.Failure.of(ErrorCode.TIMEOUT, "no answer in time; the outcome is unknown, retry with the same Idempotency-Key");
    }
    return Reply.Failure.of(ErrorCode.UNAVAILABLE, "the service is not ready; nothing was changed");
  }
}
