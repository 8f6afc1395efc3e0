package dev.coordinator.stress.fault;

import dev.coordinator.stress.client.Budget;
import dev.coordinator.stress.service.Nodes;
import dev.coordinator.stress.service.ServiceDatabase;
import java.util.Random;

/**
 * What faults act on. {@code nodes} and {@code database} are null when the harness did not start
 * them (a {@code --target} run).
 */
public record FaultContext(Nodes nodes, ServiceDatabase database, Crew crew, Budget budget, int sessionTimeoutSeconds,
                           long sweepMillis) {

  /** The clients, as far as a fault is concerned. */
  public interface Crew {
    /** Makes one client vanish where it stands (one holding something, if any) and starts a replacement; its name. */
    String crashOne(Random random);
  }
}
