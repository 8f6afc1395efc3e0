package dev.coordinator.stress.bench;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.BenchCommand;
import dev.coordinator.stress.RunOptions;
import dev.coordinator.stress.StressMain;
import dev.coordinator.stress.UsageException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The flags of {@code bin/stress bench} (api.md §8, docs/performance.md).
 *
 * @param goals the goals to measure, in order ({@code --only}; all by default)
 * @param clients overrides the client count of every goal's main comparison (null: performance.md's)
 * @param dbUrl a PostgreSQL server (administrator login) for the fresh databases; null for an embedded one
 */
public record BenchOptions(List<String> goals, Path out, Integer clients, long durationMillis, int repetitions,
                           DatabaseUrl dbUrl, Path jar, String nodeJavaOptions) {
  public static final List<String> GOALS = List.of("G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8");

  /** The options {@code args} (after {@code bench}) mean, as {@code bin/stress bench} reads them. */
  public static BenchOptions parse(List<String> args, Map<String, String> env) throws UsageException {
    CommandLine root = StressMain.build(env, List.of(), System.out, System.err);
    try {
      root.parseArgs(Stream.concat(Stream.of("bench"), args.stream()).toArray(String[]::new));
    } catch (ParameterException e) {
      throw new UsageException(e.getMessage());
    }
    return root.getSubcommands().get("bench").<BenchCommand>getCommand().options();
  }

  /** What {@code flags} mean, checked. */
  public static BenchOptions of(BenchCommand flags, String db, String jar, Map<String, String> env) throws UsageException {
    List<String> goals = new ArrayList<>();
    for (String goal : (flags.only == null ? String.join(",", GOALS) : flags.only).split(",")) {
      String id = goal.trim().toUpperCase();
      if (!GOALS.contains(id)) {
        throw new UsageException("--only takes goals G1..G8, comma-separated, not " + goal);
      }
      if (!goals.contains(id)) {
        goals.add(id);
      }
    }
    goals.sort(null);
    Path out = Path.of(flags.out != null ? flags.out : "stress/results/bench-" + Instant.now().toString().replace(':', '-'));
    return new BenchOptions(goals, out,
        flags.clients != null ? (int) RunOptions.number("--clients", flags.clients, 1, 256) : null,
        RunOptions.duration(flags.duration),
        (int) RunOptions.number("--repetitions", flags.repetitions, 1, 100),
        db == null || db.isBlank() ? null : new DatabaseUrl(db),
        Path.of(jar),
        env.getOrDefault("STRESS_NODE_JAVA_OPTS", "-Xss512k -Xmx512m -XX:+UseG1GC"));
  }
}
