package dev.coordinator.cluster;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.event.Event;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the database notifies on {@link #CHANNEL} (after commit, whoever made the change;
 * see the V11 triggers) into events on this node's own bus addresses, where its waiters listen.
 * Nothing is published across the cluster: every node hears the database itself.
 */
public final class WakeRelay {
  private static final Logger LOG = LoggerFactory.getLogger(WakeRelay.class);
  public static final String CHANNEL = "coordinator_waits";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** The reason a dashboard is told when a sealing pass (any node's) sealed rows other than reads (sql/V15). */
  public static final String SEALED = "audit_sealed";

  private final EventBus bus;

  public WakeRelay(EventBus bus) {
    this.bus = bus;
  }

  /**
   * One notification: {@code lock:<key>}, {@code task:<type>} (empty: any type), {@code session:<id>},
   * {@code left:<seq>}, or {@code audit:<seal seq>} (changes sealed into the audit trail, whichever
   * node made them: this node's dashboards re-read).
   */
  public void relay(String payload) {
    int colon = payload == null ? -1 : payload.indexOf(':');
    if (colon < 0) {
      LOG.debug("ignored a wake-up without a kind: {}", payload);
      return;
    }
    String subject = payload.substring(colon + 1);
    switch (payload.substring(0, colon)) {
      case "lock" -> bus.publish(Addresses.LOCK_RELEASED, new Event.LockReleased(subject), LOCAL);
      case "task" -> bus.publish(Addresses.TASK_AVAILABLE, new Event.TaskAvailable(subject.isEmpty() ? null : subject), LOCAL);
      case "session" -> bus.publish(Addresses.SESSION_ENDED, new Event.SessionEnded(subject), LOCAL);
      case "left" -> left(subject);
      case "audit" -> bus.publish(Addresses.CHANGED, SEALED, LOCAL);
      default -> LOG.debug("ignored a wake-up of an unknown kind: {}", payload);
    }
  }

  private void left(String seq) {
    try {
      bus.publish(Addresses.WAIT_LEFT, new Event.WaitLeft(Long.parseLong(seq)), LOCAL);
    } catch (NumberFormatException e) {
      LOG.debug("ignored a wait-left wake-up without a number: {}", seq);
    }
  }

  /** The listening connection is proven again after a gap: every waiter on this node tries once. */
  public void resync() {
    bus.publish(Addresses.RESYNC, new Event.Resync(), LOCAL);
  }
}
