package dev.coordinator.cluster;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * How every request on the bus is sent: to this node only. Each request address is a local
 * consumer (the clustered bus carries no commands), and a send that is not local-only first looks
 * the address up in the cluster's registry of consumers, held in Hazelcast: while a member is
 * frozen and not yet declared dead, that lookup waits, and so would every request of every node.
 */
public final class LocalDelivery {
  private LocalDelivery() {
  }

  public static DeliveryOptions options() {
    return new DeliveryOptions().setLocalOnly(true);
  }
}
