package dev.coordinator.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench smoke (issue #16): {@code bin/stress bench} for a few seconds against the real service
 * and pgbench, so the tool cannot rot. No thresholds: the figures of a busy build machine mean
 * nothing; that both sides of every goal did work, no operation failed, and the output's shape, do.
 */
class BenchIT {
  private static final String JAR = System.getProperty("coordinator.jar", "../verticles/target/coordinator.jar");
  private static final String LOCAL = System.getenv().getOrDefault("COORDINATOR_TEST_DB_URL",
      "postgresql://postgres@127.0.0.1:5432/postgres");

  @TempDir
  Path dir;

  @Test
  @DisplayName("bench G1 (pgbench vs REST, with its ceiling and floor), G5 (audit switched off by the bench's trigger) and G7 (MCP over WebSocket) run and write bench.json and bench.png")
  void smoke() throws Exception {
    Path out = dir.resolve("bench");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(printed, true, StandardCharsets.UTF_8);
    int exit = StressMain.run(List.of("bench", "--only", "G7,G1,G5", "--duration", "2s", "--repetitions", "1", "--jar", JAR,
        "--db-url", LOCAL, "--out", out.toString()), List.of(), console, console);
    String output = printed.toString(StandardCharsets.UTF_8);
    System.out.println(output);
    assertEquals(0, exit, output);
    JsonObject bench = new JsonObject(Files.readString(out.resolve("bench.json")));
    assertEquals("pgbench", bench.getString("raw_driver"));
    assertTrue(bench.getJsonObject("machine").getInteger("cores") > 0);
    for (String goal : List.of("G1", "G5", "G7")) {
      JsonObject figures = bench.getJsonObject(goal);
      for (String field : List.of("service", "raw", "ratio")) {
        assertTrue(figures.getDouble(field) > 0, goal + "." + field + " must be a positive number: " + figures.encode());
      }
      assertTrue(figures.containsKey("met") && figures.containsKey("target"), figures.encode());
      for (Object comparison : figures.getJsonArray("comparisons")) {
        for (Object repetition : ((JsonObject) comparison).getJsonArray("repetitions")) {
          for (String run : List.of("baseline_before", "measured", "baseline_after")) {
            JsonObject measured = ((JsonObject) repetition).getJsonObject(run);
            assertEquals(0, measured.getLong("errors"), goal + " " + run + ": " + measured.encode());
          }
        }
      }
    }
    for (String bound : List.of("ceiling", "floor")) {
      JsonObject figures = bench.getJsonObject("G1").getJsonObject(bound);
      for (String field : List.of("ops_per_s", "p50_ms", "p99_ms", "raw_ops_per_s", "ratio_to_raw")) {
        assertTrue(figures.getDouble(field) > 0, "G1." + bound + "." + field + " must be a positive number: " + figures.encode());
      }
      JsonObject run = figures.getJsonObject("comparison").getJsonArray("repetitions").getJsonObject(0).getJsonObject("measured");
      assertEquals(0, run.getLong("errors"), "G1 " + bound + ": " + run.encode());
    }
    assertTrue(!bench.containsKey("G2"), "--only G7,G1,G5 measures those goals only");
    assertTrue(Files.size(out.resolve("bench.png")) > 0);
    assertTrue(output.contains("goal measure"), output);
  }
}
