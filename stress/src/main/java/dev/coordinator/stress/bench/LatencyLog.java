package dev.coordinator.stress.bench;

import java.util.Arrays;

/** A growable array of latencies, written by one client at a time (its own chain of callbacks). */
final class LatencyLog {
  private long[] values = new long[1024];
  private int size;

  void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  long[] values() {
    return Arrays.copyOf(values, size);
  }

  static long[] merge(Iterable<LatencyLog> logs) {
    int total = 0;
    for (LatencyLog log : logs) {
      total += log.size;
    }
    long[] all = new long[total];
    int at = 0;
    for (LatencyLog log : logs) {
      System.arraycopy(log.values, 0, all, at, log.size);
      at += log.size;
    }
    return all;
  }
}
