package dev.coordinator.stress.client;

import dev.coordinator.stress.history.History;
import java.util.List;

/**
 * What every client of a run shares.
 *
 * @param lockKeys the few hot keys the lock clients fight over
 * @param repeats whether some mutations are sent twice with one Idempotency-Key (the mixed scenario)
 * @param sweepMillis the service's sweep interval: how late after its bound a reap may come
 */
public record ClientContext(History history, ProtectedResource resource, Budget budget, TaskPool tasks,
                            int sessionTimeoutSeconds, long sweepMillis, List<String> lockKeys, boolean repeats) {
}
