package dev.coordinator.stress.fault;

import io.vertx.core.json.JsonObject;
import java.util.Random;

/** A fault the nemesis injects, and heals before it returns (a killed node is started again, a paused one resumed). */
public interface Fault {
  String name();

  /** Injects the fault, heals it, and describes what it did (recorded in the history). */
  JsonObject inject(FaultContext context, Random random) throws InterruptedException;
}
