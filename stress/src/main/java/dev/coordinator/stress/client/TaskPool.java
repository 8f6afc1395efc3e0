package dev.coordinator.stress.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/** Recently acknowledged task ids, from which producers pick dependencies and cancellations. */
public final class TaskPool {
  private static final int KEPT = 64;
  private final Deque<String> recent = new ArrayDeque<>();

  public synchronized void add(String id) {
    recent.addLast(id);
    if (recent.size() > KEPT) {
      recent.removeFirst();
    }
  }

  /** Up to {@code count} distinct recent ids, chosen with {@code random}. */
  public synchronized List<String> pick(Random random, int count) {
    List<String> all = new ArrayList<>(recent);
    List<String> chosen = new ArrayList<>();
    while (chosen.size() < count && !all.isEmpty()) {
      chosen.add(all.remove(random.nextInt(all.size())));
    }
    return chosen;
  }
}
