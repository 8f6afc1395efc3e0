package dev.coordinator.bus;

/**
 * Marks every body that travels on the event bus. All of them share one codec
 * ({@link BusCodec}); only {@link dev.coordinator.bus.event.Event}s may cross nodes.
 */
public interface BusMessage {
}
