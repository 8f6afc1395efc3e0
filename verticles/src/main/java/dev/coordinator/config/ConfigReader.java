package dev.coordinator.config;

import dev.coordinator.config.CoordinatorConfig.Enforcement;
import dev.coordinator.config.CoordinatorConfig.PolicyEngineKind;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads {@link CoordinatorConfig}: a flag beats its environment variable, which beats the default
 * (api.md §1). Unknown flags and bad values are errors, reported before anything starts.
 */
public final class ConfigReader {

  /** One setting: its flag, its environment variable, its default (null: none). */
  private record Setting(String flag, String env, String fallback) {
  }

  private static final List<Setting> SETTINGS = List.of(
      new Setting("--db-url", "COORDINATOR_DB_URL", null),
      new Setting("--http-host", "COORDINATOR_HTTP_HOST", "127.0.0.1"),
      new Setting("--http-port", "COORDINATOR_HTTP_PORT", "8080"),
      new Setting("--agents-file", "COORDINATOR_AGENTS_FILE", null),
      new Setting("--policy-engine", "COORDINATOR_POLICY_ENGINE", "cedar"),
      new Setting("--enforcement", "COORDINATOR_ENFORCEMENT", "enforce"),
      new Setting("--cluster", "COORDINATOR_CLUSTER", "false"),
      new Setting("--cluster-host", "COORDINATOR_CLUSTER_HOST", "127.0.0.1"),
      new Setting("--cluster-port", "COORDINATOR_CLUSTER_PORT", "5701"),
      new Setting("--cluster-members", "COORDINATOR_CLUSTER_MEMBERS", "127.0.0.1:5701-5710"),
      new Setting("--cluster-name", "COORDINATOR_CLUSTER_NAME", "coordinator"),
      new Setting("--cluster-tls-cert", "COORDINATOR_CLUSTER_TLS_CERT", null),
      new Setting("--cluster-tls-key", "COORDINATOR_CLUSTER_TLS_KEY", null),
      new Setting("--cluster-tls-ca", "COORDINATOR_CLUSTER_TLS_CA", null),
      new Setting("--session-timeout", "COORDINATOR_SESSION_TIMEOUT_SECONDS", "120"),
      new Setting("--sweep-interval", "COORDINATOR_SWEEP_INTERVAL_MS", "1000"),
      new Setting("--body-limit", "COORDINATOR_BODY_LIMIT_BYTES", "1048576"),
      new Setting("--db-pool-size", "COORDINATOR_DB_POOL_SIZE", "16"),
      new Setting("--data-dir", "COORDINATOR_DATA_DIR", "data"),
      new Setting("--allowed-hosts", "COORDINATOR_ALLOWED_HOSTS", ""),
      new Setting("--policy-dir", "COORDINATOR_POLICY_DIR", null),
      new Setting("--mcp-sessions-per-agent", "COORDINATOR_MCP_SESSIONS_PER_AGENT", "64"),
      new Setting("--idempotency-retention", "COORDINATOR_IDEMPOTENCY_RETENTION_HOURS", "24"),
      new Setting("--metrics-public", "COORDINATOR_METRICS_PUBLIC", "false"));

  /** Flags that may stand alone, meaning true. */
  private static final List<String> SWITCHES = List.of("--cluster", "--metrics-public");

  private final Map<String, String> values;

  private ConfigReader(Map<String, String> values) {
    this.values = values;
  }

  /** Reads the settings from {@code args} and {@code env}; any other argument is an error. */
  public static CoordinatorConfig read(List<String> args, Map<String, String> env) {
    return parse(args, env, false).config();
  }

  /** Like {@link #read} but keeps flags it does not know, for subcommands with flags of their own. */
  public static Parsed readLenient(List<String> args, Map<String, String> env) {
    return parse(args, env, true);
  }

  /** Settings plus the flags that were not settings, as {@code --name value} pairs. */
  public record Parsed(CoordinatorConfig config, Map<String, String> otherFlags) {
  }

  private static Parsed parse(List<String> args, Map<String, String> env, boolean lenient) {
    Map<String, String> values = new HashMap<>();
    for (Setting setting : SETTINGS) {
      String fromEnv = env.get(setting.env());
      values.put(setting.flag(), fromEnv != null && !fromEnv.isBlank() ? fromEnv : setting.fallback());
    }
    Map<String, String> others = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      int equals = arg.indexOf('=');
      boolean inline = arg.startsWith("--") && equals > 0;
      String name = inline ? arg.substring(0, equals) : arg;
      String value = inline ? arg.substring(equals + 1) : null;
      boolean known = SETTINGS.stream().anyMatch(s -> s.flag().equals(name));
      if (!name.startsWith("--") || (!known && !lenient)) {
        throw new ConfigException("unknown argument " + arg);
      }
      if (value == null) {
        if (SWITCHES.contains(name) && (i + 1 >= args.size() || args.get(i + 1).startsWith("--"))) {
          value = "true";
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          throw new ConfigException(name + " needs a value");
        }
      }
      (known ? values : others).put(name, value);
    }
    return new Parsed(new ConfigReader(values).build(), others);
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
        Path.of(values.get("--data-dir")),
        Arrays.stream(values.get("--allowed-hosts").split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList(),
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
