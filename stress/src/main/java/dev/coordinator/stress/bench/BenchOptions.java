package dev.coordinator.stress.bench;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.RunOptions;
import dev.coordinator.stress.UsageException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
  private static final Set<String> FLAGS = Set.of("--only", "--out", "--clients", "--duration", "--repetitions", "--db-url", "--jar");

  public static BenchOptions parse(List<String> args, Map<String, String> env) throws UsageException {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String flag = args.get(i);
      if (!FLAGS.contains(flag) || i + 1 >= args.size()) {
        throw new UsageException(FLAGS.contains(flag) ? flag + " needs a value" : "unknown argument " + flag);
      }
      flags.put(flag, args.get(++i));
    }
    List<String> goals = new ArrayList<>();
    for (String goal : flags.getOrDefault("--only", String.join(",", GOALS)).split(",")) {
      String id = goal.trim().toUpperCase();
      if (!GOALS.contains(id)) {
        throw new UsageException("--only takes goals G1..G8, comma-separated, not " + goal);
      }
      if (!goals.contains(id)) {
        goals.add(id);
      }
    }
    goals.sort(null);
    String db = flags.getOrDefault("--db-url", env.get("STRESS_DB_URL"));
    Path out = Path.of(flags.getOrDefault("--out", "stress/results/bench-" + Instant.now().toString().replace(':', '-')));
    return new BenchOptions(goals, out,
        flags.containsKey("--clients") ? (int) number(flags.get("--clients"), "--clients", 1, 256) : null,
        RunOptions.duration(flags.getOrDefault("--duration", "15s")),
        (int) number(flags.getOrDefault("--repetitions", "3"), "--repetitions", 1, 100),
        db == null || db.isBlank() ? null : new DatabaseUrl(db),
        Path.of(flags.getOrDefault("--jar", env.getOrDefault("COORDINATOR_JAR", "verticles/target/coordinator.jar"))),
        env.getOrDefault("STRESS_NODE_JAVA_OPTS", "-Xss512k -Xmx512m -XX:+UseG1GC"));
  }

  private static long number(String text, String flag, long min, long max) throws UsageException {
    try {
      long value = Long.parseLong(text.trim());
      if (value < min || value > max) {
        throw new UsageException(flag + " must be from " + min + " to " + max + ", not " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a whole number, not " + text);
    }
  }
}
