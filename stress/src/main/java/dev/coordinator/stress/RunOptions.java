package dev.coordinator.stress;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.fault.Fault;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * What the flags of {@code bin/stress run} ({@link RunCommand}; api.md §8, docs/stress.md) mean, checked.
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

  public boolean targeted() {
    return !targets.isEmpty();
  }

  /** {@code args} of {@code bin/stress run} as the command line reads them, the defaults taken from {@code env}. */
  public static RunOptions parse(List<String> args, Map<String, String> env) throws UsageException {
    CommandLine root = StressMain.build(env, List.of(), System.out, System.err);
    CommandLine run = root.getSubcommands().get("run");
    try {
      root.parseArgs(Stream.concat(Stream.of("run"), args.stream()).toArray(String[]::new));
    } catch (ParameterException e) {
      throw new UsageException(e.getMessage());
    }
    return run.<RunCommand>getCommand().options();
  }

  /** What {@code flags} mean, checked: a flag out of range, or a fault the harness cannot inject there, is refused. */
  static RunOptions of(RunCommand flags, List<Fault> faults, String db, String jar, Map<String, String> env)
      throws UsageException {
    if (!SCENARIOS.contains(flags.scenario)) {
      throw new UsageException("--scenario must be one of locks, queue, sessions, mixed, not " + flags.scenario);
    }
    List<URI> targets = targets(flags.target, flags.allowRemoteTarget);
    DatabaseUrl dbUrl = db == null || db.isBlank() ? null : new DatabaseUrl(db);
    long seed = flags.seed != null ? number("--seed", flags.seed, Long.MIN_VALUE, Long.MAX_VALUE)
        : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
    Path out = Path.of(flags.out != null ? flags.out : "stress-out/" + Instant.now().toString().replace(':', '-'));
    Path agentsFile = flags.agentsFile != null ? Path.of(flags.agentsFile) : null;
    int sessionTimeout = flags.sessionTimeout == null ? targets.isEmpty() ? 5 : 120
        : (int) number("--session-timeout", flags.sessionTimeout, 1, 86_400);
    long sweepMillis = flags.sweepInterval == null ? targets.isEmpty() ? 250 : 1000
        : number("--sweep-interval", flags.sweepInterval, 10, 3_600_000);
    RunOptions options = new RunOptions(flags.scenario, (int) number("--nodes", flags.nodes, 1, 30),
        (int) number("--clients", flags.clients, 1, 500), duration(flags.duration), seed, faults, out,
        number("--max-ops", flags.maxOperations, 1, Long.MAX_VALUE), targets, agentsFile, dbUrl, sessionTimeout, sweepMillis,
        number("--clock-uncertainty", flags.clockUncertainty, 0, 60_000), Path.of(jar),
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

  public static long number(String flag, String text, long min, long max) throws UsageException {
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
