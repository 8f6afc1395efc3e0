package dev.coordinator.stress.bench;

import java.util.function.Supplier;

/**
 * One measured run of a comparison: a workload on one side (raw SQL, or the service in some
 * configuration) at a client count. {@code run} resets the state it works on first.
 */
record Phase(String workload, String side, int clients, Supplier<Measurement> run) {
}
