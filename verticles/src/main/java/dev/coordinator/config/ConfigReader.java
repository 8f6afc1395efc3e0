package dev.coordinator.config;

import dev.coordinator.config.CoordinatorConfig.Enforcement;
import dev.coordinator.config.CoordinatorConfig.PolicyEngineKind;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Reads {@link CoordinatorConfig}: a flag beats its environment variable, which beats the default
 * (api.md §1). Unknown flags and bad values are errors, reported before anything starts. The
 * flags are picocli options of whichever command needs the settings ({@link #addTo}).
 */
public final class ConfigReader {

  public static final List<EnvOption> SETTINGS = List.of(
      new EnvOption("--db-url", "COORDINATOR_DB_URL", null, "URL",
          "postgresql://user@host:port/db; without one, an embedded PostgreSQL under --data-dir"),
      new EnvOption("--http-host", "COORDINATOR_HTTP_HOST", "127.0.0.1", "HOST", "bind address"),
      new EnvOption("--http-port", "COORDINATOR_HTTP_PORT", "8080", "PORT", "one port serves REST, /mcp and /health"),
      new EnvOption("--agents-file", "COORDINATOR_AGENTS_FILE", null, "FILE",
          "YAML or JSON list of agents to create or update at start"),
      new EnvOption("--policy-engine", "COORDINATOR_POLICY_ENGINE", "cedar", "ENGINE", "cedar or native"),
      new EnvOption("--enforcement", "COORDINATOR_ENFORCEMENT", "enforce", "MODE",
          "enforce, or shadow (decide and audit, but allow)"),
      new EnvOption("--cluster", "COORDINATOR_CLUSTER", "false", "BOOL",
          "join a Vert.x cluster (alone: true)", true),
      new EnvOption("--cluster-host", "COORDINATOR_CLUSTER_HOST", "127.0.0.1", "HOST",
          "address this node binds and announces for cluster traffic"),
      new EnvOption("--cluster-port", "COORDINATOR_CLUSTER_PORT", "5701", "PORT",
          "cluster port (0: first free port from 5701)"),
      new EnvOption("--cluster-members", "COORDINATOR_CLUSTER_MEMBERS", "127.0.0.1:5701-5710", "LIST",
          "comma-separated host[:port[-port]] to join over TCP"),
      new EnvOption("--cluster-name", "COORDINATOR_CLUSTER_NAME", "coordinator", "NAME",
          "nodes join only a cluster of the same name"),
      new EnvOption("--cluster-tls-cert", "COORDINATOR_CLUSTER_TLS_CERT", null, "PEM",
          "this node's certificate for the cluster bus (docs/cluster.md)"),
      new EnvOption("--cluster-tls-key", "COORDINATOR_CLUSTER_TLS_KEY", null, "PEM", "its private key"),
      new EnvOption("--cluster-tls-ca", "COORDINATOR_CLUSTER_TLS_CA", null, "PEM",
          "the CA whose certificates peers must present"),
      new EnvOption("--session-timeout", "COORDINATOR_SESSION_TIMEOUT_SECONDS", "120", "SECONDS",
          "a session silent this long is reaped"),
      new EnvOption("--sweep-interval", "COORDINATOR_SWEEP_INTERVAL_MS", "1000", "MS",
          "how often expired leases and sessions are swept"),
      new EnvOption("--body-limit", "COORDINATOR_BODY_LIMIT_BYTES", "1048576", "BYTES", "largest request body"),
      new EnvOption("--db-pool-size", "COORDINATOR_DB_POOL_SIZE", "16", "N", "database connections per pool"),
      new EnvOption("--event-loops", "COORDINATOR_EVENT_LOOPS", String.valueOf(Runtime.getRuntime().availableProcessors()),
          "N", "event-loop threads (default: one per core)"),
      new EnvOption("--data-dir", "COORDINATOR_DATA_DIR", "data", "DIR", "where the embedded database lives (DIR/pg)"),
      new EnvOption("--allowed-hosts", "COORDINATOR_ALLOWED_HOSTS", "", "LIST",
          "host names accepted in Host/Origin besides loopback names"),
      new EnvOption("--policy-dir", "COORDINATOR_POLICY_DIR", null, "DIR",
          "Cedar schema and policies to use instead of the bundled ones"),
      new EnvOption("--mcp-sessions-per-agent", "COORDINATOR_MCP_SESSIONS_PER_AGENT", "64", "N",
          "MCP connections one agent may hold on a node"),
      new EnvOption("--idempotency-retention", "COORDINATOR_IDEMPOTENCY_RETENTION_HOURS", "24", "HOURS",
          "how long an Idempotency-Key outcome is kept for replays"),
      new EnvOption("--metrics-public", "COORDINATOR_METRICS_PUBLIC", "false", "BOOL",
          "answer GET /metrics to other machines too (alone: true); off: loopback only", true));

  private final Map<String, String> values;

  private ConfigReader(Map<String, String> values) {
    this.values = values;
  }

  /** Adds every setting as a flag of {@code command}. */
  public static void addTo(CommandSpec command) {
    SETTINGS.forEach(setting -> setting.addTo(command));
  }

  /** The settings {@code command} (which {@link #addTo} gave the flags) was parsed with. */
  public static CoordinatorConfig read(CommandSpec command) {
    Map<String, String> values = new HashMap<>();
    SETTINGS.forEach(setting -> values.put(setting.flag(), setting.valueIn(command)));
    return new ConfigReader(values).build();
  }

  /** Reads the settings from {@code args} and {@code env}, as {@code serve} does; any other argument is an error. */
  public static CoordinatorConfig read(List<String> args, Map<String, String> env) {
    CommandSpec command = CommandSpec.create();
    addTo(command);
    CommandLine parser = new CommandLine(command)
        .setOverwrittenOptionsAllowed(true)
        .setDefaultValueProvider(new EnvironmentDefaults(env, SETTINGS));
    try {
      parser.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new ConfigException(e.getMessage());
    }
    return read(command);
  }

  private CoordinatorConfig build() {
    String dbUrl = values.get("--db-url");
    if (dbUrl != null && !(dbUrl.startsWith("postgresql://") || dbUrl.startsWith("postgres://"))) {
      throw new ConfigException("--db-url must look like postgresql://user@host:port/db");
    }
    return new CoordinatorConfig(
        dbUrl,
        values.get("--http-host"),
        number("--http-port", 0, 65535),
        path("--agents-file"),
        choice("--policy-engine", PolicyEngineKind::valueOf, PolicyEngineKind.values()),
        choice("--enforcement", Enforcement::valueOf, Enforcement.values()),
        cluster(),
        number("--session-timeout", 1, 86_400),
        number("--sweep-interval", 10, 3_600_000),
        number("--body-limit", 1024, 64 * 1024 * 1024),
        number("--db-pool-size", 1, 500),
        number("--event-loops", 1, 256),
        Path.of(values.get("--data-dir")),
        Arrays.stream(Objects.requireNonNullElse(values.get("--allowed-hosts"), "").split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList(),
        path("--policy-dir"),
        number("--mcp-sessions-per-agent", 1, 10_000),
        number("--idempotency-retention", 1, 24 * 366),
        bool("--metrics-public"));
  }

  private ClusterSettings cluster() {
    String host = values.get("--cluster-host").trim();
    if (host.isEmpty()) {
      throw new ConfigException("--cluster-host must name an address");
    }
    String name = values.get("--cluster-name").trim();
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException("--cluster-name must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    boolean enabled = bool("--cluster");
    return new ClusterSettings(enabled, host, number("--cluster-port", 0, 65535),
        ClusterSettings.members(values.get("--cluster-members")), name,
        ClusterSettings.Tls.of(enabled, ClusterSettings.Tls.FLAGS.stream().map(values::get).toList()));
  }

  private int number(String flag, int min, int max) {
    String text = values.get(flag);
    try {
      int value = Integer.parseInt(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(flag + " must be a whole number from " + min + " to " + max + ", not " + text);
  }

  private boolean bool(String flag) {
    String text = values.get(flag).trim().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "true", "on", "yes", "1" -> true;
      case "false", "off", "no", "0" -> false;
      default -> throw new ConfigException(flag + " must be true or false, not " + text);
    };
  }

  private Path path(String flag) {
    String text = values.get(flag);
    return text == null || text.isBlank() ? null : Path.of(text);
  }

  private <E extends Enum<E>> E choice(String flag, Function<String, E> parse, E[] options) {
    String text = values.get(flag).trim();
    try {
      return parse.apply(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(flag + " must be one of "
          + Arrays.stream(options).map(o -> o.name().toLowerCase(Locale.ROOT)).toList() + ", not " + text);
    }
  }
}
