package dev.coordinator.stress;

import dev.coordinator.stress.client.Budget;
import dev.coordinator.stress.client.Client;
import dev.coordinator.stress.client.ReaderClient;
import dev.coordinator.stress.fault.FaultContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The run's clients, each on its own thread. A crashed client is replaced by a new one of the same
 * kind and agent (a restarted agent: new process name, new session), as long as the run goes on.
 */
final class Crew implements FaultContext.Crew {
  /** Makes a client of one kind, given its process name and seed. */
  @FunctionalInterface
  interface Factory {
    Client create(String name, long seed);
  }

  private final Random seeds;
  private final Budget budget;
  private final List<Client> everyone = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<Client, Factory> factories = new HashMap<>();
  private final Map<String, Integer> generations = new HashMap<>();

  Crew(long seed, Budget budget) {
    this.seeds = new Random(seed);
    this.budget = budget;
  }

  synchronized void start(String name, Factory factory) {
    Client client = factory.create(name, seeds.nextLong());
    factories.put(client, factory);
    everyone.add(client);
    Thread thread = new Thread(client, "client-" + name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  @Override
  public synchronized String crashOne(Random random) {
    List<Client> live = everyone.stream().filter(c -> !c.crashed() && !(c instanceof ReaderClient)).toList();
    if (live.isEmpty()) {
      return null;
    }
    List<Client> holding = live.stream().filter(Client::holdsSomething).toList();
    List<Client> pool = holding.isEmpty() ? live : holding;
    Client victim = pool.get(random.nextInt(pool.size()));
    victim.crash();
    if (budget.running()) {
      String base = victim.name().contains(".") ? victim.name().substring(0, victim.name().indexOf('.')) : victim.name();
      int generation = generations.merge(base, 1, Integer::sum);
      start(base + "." + generation, factories.get(victim));
    }
    return victim.name();
  }

  synchronized List<Client> everyone() {
    return List.copyOf(everyone);
  }

  /** Waits for every client to stop by itself; interrupts the ones still going after {@code millis}. */
  void join(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    List<Thread> all;
    synchronized (this) {
      all = List.copyOf(threads);
    }
    for (Thread thread : all) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join();
      }
    }
  }
}
