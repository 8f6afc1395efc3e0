package dev.coordinator.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.stress.fault.Fault;
import dev.coordinator.stress.fault.FaultContext;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STR-1, STR-2: real runs of {@code bin/stress run} against the real service (child JVMs from the
 * service jar) on a fresh database of the test PostgreSQL (the local server if it answers, else
 * an embedded one the harness starts).
 */
class StressRunIT {
  private static final String JAR = System.getProperty("coordinator.jar", "../verticles/target/coordinator.jar");
  private static final String LOCAL = System.getenv().getOrDefault("COORDINATOR_TEST_DB_URL",
      "postgresql://postgres@127.0.0.1:5432/postgres");

  @TempDir
  Path dir;

  private record Run(int exit, JsonObject results, String output) {
  }

  private Run run(List<Fault> extraFaults, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "--jar", JAR, "--out", dir.resolve("out").toString()));
    args.addAll(List.of(flags));
    if (localServerAnswers()) {
      args.addAll(List.of("--db-url", LOCAL));
    }
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    int exit = StressMain.run(args, extraFaults, out, out);
    String output = printed.toString(StandardCharsets.UTF_8);
    System.out.println(output);
    Path results = dir.resolve("out/results.json");
    return new Run(exit, Files.exists(results) ? new JsonObject(Files.readString(results)) : null, output);
  }

  private static boolean localServerAnswers() {
    try (var connection = DriverManager.getConnection(new dev.coordinator.db.DatabaseUrl(LOCAL).jdbcUrl())) {
      return connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  @Test
  @DisplayName("STR-1: a short mixed run (locks, queue, sessions) with client crashes and killed database connections finds no violation")
  void shortRunWithFaultsHasNoViolations() throws Exception {
    Run run = run(List.of(), "--scenario", "mixed", "--nodes", "1", "--clients", "6", "--duration", "6s", "--seed", "20261202",
        "--faults", "client-crash,kill-db-connections", "--session-timeout", "2", "--sweep-interval", "200");
    assertNotNull(run.results(), run.output());
    assertEquals(0, run.exit(), run.output());
    JsonObject results = run.results();
    assertTrue(results.getBoolean("ok"), run.output());
    assertEquals(20261202L, results.getLong("seed"));
    assertEquals("mixed", results.getString("scenario"));
    assertEquals(1, results.getInteger("nodes"));
    assertTrue(results.getJsonArray("violations").isEmpty(), run.output());
    assertTrue(results.getLong("operations") > 100, "too few operations to mean anything: " + results.getLong("operations"));
    assertTrue(results.getJsonObject("counts").getLong("ok") > 50, results::encode);
    var kinds = results.getJsonArray("faults").stream().map(f -> ((JsonObject) f).getString("kind")).collect(Collectors.toSet());
    assertTrue(kinds.containsAll(List.of("client-crash", "kill-db-connections")), "faults injected: " + kinds);

    Path out = dir.resolve("out");
    List<String> history = Files.readAllLines(out.resolve("history.jsonl"));
    assertTrue(history.stream().anyMatch(line -> line.contains("\"op\":\"crash\"")), "a client crash is in the history");
    assertTrue(history.stream().anyMatch(line -> line.contains("\"op\":\"kill-db-connections\"")), "the fault is in the history");
    assertNotNull(ImageIO.read(out.resolve("timeline.png").toFile()), "timeline.png is a picture");
    List<String> trace = Files.readAllLines(out.resolve("lock-trace.jsonl"));
    assertTrue(trace.stream().anyMatch(line -> new JsonObject(line).getString("kind").equals("grant")), "grants in lock-trace.jsonl");
    assertTrue(trace.stream().anyMatch(line -> new JsonObject(line).getString("kind").equals("free")), "frees in lock-trace.jsonl");
  }

  /** A deliberately broken service: the fencing-token sequence is set back mid-run, as an operator's mistake would. */
  private static final Fault REWIND_TOKENS = new Fault() {
    @Override
    public String name() {
      return "sabotage-rewind-fencing-tokens";
    }

    @Override
    public JsonObject inject(FaultContext context, Random random) {
      context.database().execute("ALTER SEQUENCE lock_fencing_token_seq RESTART");
      return new JsonObject();
    }
  };

  /**
   * A deliberately broken service: held lock rows vanish mid-run, as an operator's DELETE would make
   * them, again and again for two seconds, so that some client surely takes a key whose holder
   * still holds it.
   */
  private static final Fault DELETE_HELD_LOCKS = new Fault() {
    @Override
    public String name() {
      return "sabotage-delete-held-locks";
    }

    @Override
    public JsonObject inject(FaultContext context, Random random) {
      long deleted = 0;
      long until = System.nanoTime() + 2_000_000_000L;
      while (System.nanoTime() < until) {
        deleted += Long.parseLong(context.database().execute(
            "WITH gone AS (DELETE FROM locks WHERE expires_at > now() RETURNING 1) SELECT count(*) FROM gone"));
      }
      return new JsonObject().put("deleted", deleted);
    }
  };

  @Test
  @DisplayName("STR-2: a run against a service that loses held locks reports LOCK-1 (two holders at once) and exits 1")
  void deletedHeldLocksAreCaught() throws Exception {
    Run run = run(List.of(DELETE_HELD_LOCKS), "--scenario", "locks", "--nodes", "1", "--clients", "6", "--duration", "5s",
        "--seed", "78", "--session-timeout", "2", "--sweep-interval", "200");
    assertNotNull(run.results(), run.output());
    assertEquals(1, run.exit(), run.output());
    assertTrue(run.results().getJsonArray("violations").stream().map(JsonObject.class::cast)
        .anyMatch(v -> v.getString("invariant").equals("LOCK-1") && v.getString("detail").contains("two holders at once")),
        run.output());
    assertTrue(run.output().contains("VIOLATION LOCK-1 (seed 78)"), run.output());
  }

  @Test
  @DisplayName("STR-2: a run against a service whose fencing tokens go backwards reports LOCK-2 with the seed and exits 1")
  void rewoundFencingTokensAreCaught() throws Exception {
    Run run = run(List.of(REWIND_TOKENS), "--scenario", "locks", "--nodes", "1", "--clients", "4", "--duration", "5s",
        "--seed", "77", "--session-timeout", "2", "--sweep-interval", "200");
    assertNotNull(run.results(), run.output());
    assertEquals(1, run.exit(), run.output());
    assertFalse(run.results().getBoolean("ok"));
    assertTrue(run.results().getJsonArray("violations").stream().map(JsonObject.class::cast)
        .anyMatch(v -> v.getString("invariant").equals("LOCK-2") && v.getString("detail").contains("is not greater than token")),
        run.output());
    assertTrue(run.output().contains("VIOLATION LOCK-2 (seed 77)"), run.output());
  }
}
