package dev.coordinator.stress.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.stress.UsageException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  @Test
  @DisplayName("bench defaults: every goal, 15 s per phase, 3 repetitions, performance.md's client counts, results under stress/results")
  void defaults() throws Exception {
    BenchOptions options = BenchOptions.parse(List.of(), Map.of());
    assertEquals(BenchOptions.GOALS, options.goals());
    assertEquals(15_000, options.durationMillis());
    assertEquals(3, options.repetitions());
    assertNull(options.clients());
    assertNull(options.dbUrl());
    assertTrue(options.out().startsWith("stress/results"));
  }

  @Test
  @DisplayName("bench --only takes goal ids in any order and case, measured in goal order; unknown goals and flags are usage errors")
  void only() throws Exception {
    assertEquals(List.of("G1", "G6"), BenchOptions.parse(List.of("--only", "g6,G1,G6"), Map.of()).goals());
    assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--only", "G9"), Map.of()));
    assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--repetitions", "0"), Map.of()));
    assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--duration"), Map.of()));
    assertThrows(UsageException.class, () -> BenchOptions.parse(List.of("--nodes", "2"), Map.of()));
    assertEquals(64, BenchOptions.parse(List.of("--clients", "64"), Map.of()).clients());
  }
}
