package dev.coordinator.stress;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.fault.Fault;
import dev.coordinator.stress.fault.Faults;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flags of {@code bin/stress run} (api.md §8; docs/stress.md lists them all).
 *
 * @param targets the nodes of a service the harness did not start ({@code --target}), empty otherwise
 * @param dbUrl without {@code --target}: a PostgreSQL server (administrator login) on which the run
 *     creates a fresh database; null for an embedded server the harness starts (and can restart).
 *     With {@code --target}: the service's own database, needed only by kill-db-connections
 */
public record RunOptions(String scenario, int nodes, int clients, long durationMillis, long seed, List<Fault> faults,
                         Path out, long maxOperations, List<URI> targets, Path agentsFile, DatabaseUrl dbUrl,
                         int sessionTimeoutSeconds, long sweepMillis, long clockUncertaintyMillis, Path jar,
                         String nodeJavaOptions) {
  public static final Set<String> SCENARIOS = Set.of("locks", "queue", "sessions", "mixed");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
  private static final Set<String> SWITCHES = Set.of("--allow-remote-target");
  private static final Set<String> FLAGS = Set.of("--scenario", "--nodes", "--clients", "--duration", "--seed", "--faults",
      "--out", "--max-ops", "--target", "--agents-file", "--db-url", "--session-timeout", "--sweep-interval",
      "--clock-uncertainty", "--jar");

  public boolean targeted() {
    return !targets.isEmpty();
  }

  public static RunOptions parse(List<String> args, Map<String, String> env) throws UsageException {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String flag = args.get(i);
      if (SWITCHES.contains(flag)) {
        flags.put(flag, "true");
      } else if (FLAGS.contains(flag) && i + 1 < args.size()) {
        flags.put(flag, args.get(++i));
      } else {
        throw new UsageException(FLAGS.contains(flag) ? flag + " needs a value" : "unknown argument " + flag);
      }
    }
    String scenario = flags.getOrDefault("--scenario", "mixed");
    if (!SCENARIOS.contains(scenario)) {
      throw new UsageException("--scenario must be one of locks, queue, sessions, mixed, not " + scenario);
    }
    List<URI> targets = targets(flags.get("--target"), flags.containsKey("--allow-remote-target"));
    List<Fault> faults;
    try {
      faults = Faults.parse(flags.get("--faults"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    String db = flags.getOrDefault("--db-url", env.get("STRESS_DB_URL"));
    DatabaseUrl dbUrl = db == null || db.isBlank() ? null : new DatabaseUrl(db);
    long seed = flags.containsKey("--seed") ? number(flags, "--seed", 0, Long.MIN_VALUE, Long.MAX_VALUE)
        : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
    Path out = Path.of(flags.getOrDefault("--out", "stress-out/" + Instant.now().toString().replace(':', '-')));
    Path agentsFile = flags.containsKey("--agents-file") ? Path.of(flags.get("--agents-file")) : null;
    String jar = flags.getOrDefault("--jar", env.getOrDefault("COORDINATOR_JAR", "verticles/target/coordinator.jar"));
    RunOptions options = new RunOptions(scenario, (int) number(flags, "--nodes", 1, 1, 30),
        (int) number(flags, "--clients", 8, 1, 500), duration(flags.getOrDefault("--duration", "60s")), seed, faults, out,
        number(flags, "--max-ops", 10_000_000, 1, Long.MAX_VALUE), targets, agentsFile, dbUrl,
        (int) number(flags, "--session-timeout", targets.isEmpty() ? 5 : 120, 1, 86_400),
        number(flags, "--sweep-interval", targets.isEmpty() ? 250 : 1000, 10, 3_600_000),
        number(flags, "--clock-uncertainty", 10, 0, 60_000), Path.of(jar),
        env.getOrDefault("STRESS_NODE_JAVA_OPTS", "-Xss512k -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
    options.validate();
    return options;
  }

  private void validate() throws UsageException {
    List<String> names = faults.stream().map(Fault::name).toList();
    if (targeted()) {
      if (agentsFile == null) {
        throw new UsageException("--target needs --agents-file (the agents and keys to use)");
      }
      for (String own : List.of("kill-node", "pause-node", "restart-db")) {
        if (names.contains(own)) {
          throw new UsageException("--faults " + own + " needs nodes and a database the harness started (no --target)");
        }
      }
      if (names.contains("kill-db-connections") && dbUrl == null) {
        throw new UsageException("--faults kill-db-connections with --target needs --db-url (the service's database)");
      }
    } else if (names.contains("restart-db") && dbUrl != null) {
      throw new UsageException("--faults restart-db needs the embedded database the harness starts (no --db-url/STRESS_DB_URL)");
    }
  }

  private static List<URI> targets(String list, boolean allowRemote) throws UsageException {
    List<URI> targets = new ArrayList<>();
    if (list == null) {
      return targets;
    }
    for (String text : list.split(",")) {
      URI uri = URI.create(text.trim().endsWith("/") ? text.trim() : text.trim() + "/");
      if (uri.getHost() == null || !"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new UsageException("--target takes http(s)://host:port URLs, not " + text);
      }
      if (!allowRemote && !loopback(uri.getHost())) {
        throw new UsageException("--target " + uri + " is outside 127.0.0.0/8; add --allow-remote-target if you mean it");
      }
      targets.add(uri);
    }
    return targets;
  }

  private static boolean loopback(String host) {
    try {
      InetAddress address = InetAddress.getByName(host);
      return address instanceof Inet4Address && address.getAddress()[0] == 127;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  public static long duration(String text) throws UsageException {
    Matcher matcher = DURATION.matcher(text.trim());
    if (!matcher.matches()) {
      throw new UsageException("--duration takes a number with ms, s, m or h (60s, 20m), not " + text);
    }
    long amount = Long.parseLong(matcher.group(1));
    String unit = matcher.group(2) == null ? "s" : matcher.group(2);
    long millis = switch (unit) {
      case "ms" -> amount;
      case "m" -> amount * 60_000;
      case "h" -> amount * 3_600_000;
      default -> amount * 1000;
    };
    if (millis < 1000 || millis > 24 * 3_600_000L) {
      throw new UsageException("--duration must be from 1s to 24h, not " + text);
    }
    return millis;
  }

  private static long number(Map<String, String> flags, String flag, long fallback, long min, long max) throws UsageException {
    String text = flags.get(flag);
    if (text == null) {
      return fallback;
    }
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
