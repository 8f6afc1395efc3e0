package dev.coordinator.stress.fault;

import dev.coordinator.stress.client.Budget;
import dev.coordinator.stress.history.History;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Injects the run's faults one at a time, on a schedule drawn from the seed: a pause of 1 to 3 s
 * (shorter when the run is too short for every listed fault at that pace), then the next fault of a shuffled round through the list (so every listed fault comes before any
 * comes twice). Each fault is recorded as an operation of process {@code nemesis}: invoke when it
 * starts, ok (with what it did) when it is healed, info if it could not be injected.
 */
public final class Nemesis implements Runnable {
  public static final String PROCESS = "nemesis";

  private final List<Fault> faults;
  private final FaultContext context;
  private final History history;
  private final Budget budget;
  private final Random random;
  private final long longestPause;
  private final List<JsonObject> injected = new ArrayList<>();

  public Nemesis(List<Fault> faults, FaultContext context, History history, Budget budget, long durationMillis, long seed) {
    this.faults = faults;
    // A short run still gets every listed fault once: the pauses shrink to fit them all in.
    this.longestPause = Math.max(200, Math.min(3000, durationMillis / (faults.size() + 1)));
    this.context = context;
    this.history = history;
    this.budget = budget;
    this.random = new Random(seed);
  }

  @Override
  public void run() {
    List<Fault> round = new ArrayList<>();
    try {
      while (!faults.isEmpty()) {
        long pause = longestPause / 3 + random.nextInt((int) (longestPause * 2 / 3));
        if (!budget.running() || budget.remainingMillis() < pause + 500) {
          return;
        }
        Thread.sleep(pause);
        if (!budget.running()) {
          return;
        }
        if (round.isEmpty()) {
          round.addAll(faults);
          Collections.shuffle(round, random);
        }
        inject(round.remove(0));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void inject(Fault fault) throws InterruptedException {
    History.Pending pending = history.invoke(PROCESS, fault.name(), new JsonObject());
    JsonObject record = new JsonObject().put("kind", fault.name())
        .put("at_ms", pending.invocation().nanos() / 1_000_000);
    try {
      JsonObject detail = fault.inject(context, random);
      long end = pending.ok(detail).nanos() / 1_000_000;
      record.put("end_ms", end).put("detail", detail);
    } catch (RuntimeException e) {
      long end = pending.info(String.valueOf(e.getMessage())).nanos() / 1_000_000;
      record.put("end_ms", end).put("error", String.valueOf(e.getMessage()));
    }
    synchronized (injected) {
      injected.add(record);
    }
  }

  /** The faults injected so far, for results.json. */
  public List<JsonObject> injected() {
    synchronized (injected) {
      return List.copyOf(injected);
    }
  }
}
