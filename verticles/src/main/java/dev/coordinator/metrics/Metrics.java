package dev.coordinator.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The node's counters and gauges, in Prometheus text format for {@code GET /metrics}. Counters
 * are lock-free adders any verticle may bump; gauges are read when scraped.
 */
public final class Metrics {
  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
  private final Map<String, String> help = new ConcurrentHashMap<>();

  /** Adds {@code amount} to the counter {@code name{labels}}; {@code labels} like {@code status="200"} or empty. */
  public void count(String name, String labels, long amount, String description) {
    help.putIfAbsent(name, description);
    counters.computeIfAbsent(series(name, labels), key -> new LongAdder()).add(amount);
  }

  /** Registers a gauge read at scrape time. */
  public void gauge(String name, String description, LongSupplier value) {
    help.put(name, description);
    gauges.put(name, value);
  }

  public String render() {
    StringBuilder text = new StringBuilder();
    Map<String, Long> series = new TreeMap<>();
    counters.forEach((key, adder) -> series.put(key, adder.sum()));
    gauges.forEach((name, value) -> series.put(name, value.getAsLong()));
    String family = null;
    for (Map.Entry<String, Long> entry : series.entrySet()) {
      String name = entry.getKey().contains("{") ? entry.getKey().substring(0, entry.getKey().indexOf('{')) : entry.getKey();
      if (!name.equals(family)) {
        family = name;
        text.append("# HELP ").append(name).append(' ').append(help.getOrDefault(name, name)).append('\n')
            .append("# TYPE ").append(name).append(gauges.containsKey(name) ? " gauge" : " counter").append('\n');
      }
      text.append(entry.getKey()).append(' ').append(entry.getValue()).append('\n');
    }
    return text.toString();
  }

  private static String series(String name, String labels) {
    return labels.isEmpty() ? name : name + "{" + labels + "}";
  }
}
