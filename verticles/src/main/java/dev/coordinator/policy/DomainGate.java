package dev.coordinator.policy;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way onto a domain address: an inbound interceptor that lets through a command only if
 * it carries this node's policy stamp (held by the policy verticle alone, compared by identity).
 * Anything else is answered {@code POLICY_DENIED} and never reaches the domain verticle.
 */
public final class DomainGate implements Handler<DeliveryContext<Object>> {
  private static final Logger LOG = LoggerFactory.getLogger(DomainGate.class);
  private final Object stamp;

  public DomainGate(Object stamp) {
    this.stamp = stamp;
  }

  @Override
  public void handle(DeliveryContext<Object> context) {
    String address = context.message().address();
    if (!address.startsWith(Addresses.DOMAIN_PREFIX)
        || (context.send() && context.body() instanceof Authorized authorized && authorized.stamp() == stamp)) {
      context.next();
      return;
    }
    LOG.warn("rejected a command on {} that did not come through the policy verticle", address);
    if (context.send() && context.message().replyAddress() != null) {
      context.message().reply(Reply.Failure.of(ErrorCode.POLICY_DENIED,
          "commands reach domain verticles only through the policy verticle"));
    }
  }
}
