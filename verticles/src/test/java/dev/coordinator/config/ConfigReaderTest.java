package dev.coordinator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** api.md §1: flags beat environment variables, which beat defaults; bad values stop the start. */
class ConfigReaderTest {

  @Test
  void defaults() {
    CoordinatorConfig config = ConfigReader.read(List.of(), Map.of());
    assertNull(config.dbUrl());
    assertTrue(config.embeddedDatabase());
    assertEquals("127.0.0.1", config.httpHost());
    assertEquals(8080, config.httpPort());
    assertEquals(CoordinatorConfig.Enforcement.ENFORCE, config.enforcement());
    assertEquals(120, config.sessionTimeoutSeconds());
    assertEquals(1000, config.sweepIntervalMs());
    assertEquals(1_048_576, config.bodyLimitBytes());
    assertEquals(Path.of("data"), config.dataDir());
    assertEquals(false, config.cluster().enabled());
  }

  @Test
  void flagsBeatTheEnvironment() {
    Map<String, String> env = Map.of("COORDINATOR_HTTP_PORT", "9000", "COORDINATOR_ENFORCEMENT", "shadow",
        "COORDINATOR_DB_URL", "postgresql://u@db:5432/c");
    CoordinatorConfig fromEnv = ConfigReader.read(List.of(), env);
    assertEquals(9000, fromEnv.httpPort());
    assertEquals(CoordinatorConfig.Enforcement.SHADOW, fromEnv.enforcement());
    assertEquals("postgresql://u@db:5432/c", fromEnv.dbUrl());
    CoordinatorConfig flagged = ConfigReader.read(List.of("--http-port", "9100", "--enforcement=enforce", "--cluster"), env);
    assertEquals(9100, flagged.httpPort());
    assertEquals(CoordinatorConfig.Enforcement.ENFORCE, flagged.enforcement());
    assertTrue(flagged.cluster().enabled());
  }

  @Test
  void eventLoopsDefaultToOnePerCore() {
    assertEquals(Runtime.getRuntime().availableProcessors(), ConfigReader.read(List.of(), Map.of()).eventLoops());
    assertEquals(3, ConfigReader.read(List.of(), Map.of("COORDINATOR_EVENT_LOOPS", "3")).eventLoops());
    assertEquals(1, ConfigReader.read(List.of("--event-loops", "1"), Map.of("COORDINATOR_EVENT_LOOPS", "3")).eventLoops());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--event-loops=0", "--event-loops=257", "--http-port=70000", "--http-port=x", "--enforcement=maybe", "--policy-engine=opa",
      "--db-url=mysql://x", "--no-such-flag=1", "stray", "--session-timeout=0", "--sweep-interval=1", "--http-port"})
  void badValuesAreRefused(String arg) {
    assertThrows(ConfigException.class, () -> ConfigReader.read(List.of(arg), Map.of()));
  }

  @Test
  void limitsAndRetention() {
    CoordinatorConfig defaults = ConfigReader.read(List.of(), Map.of());
    assertEquals(64, defaults.mcpSessionsPerAgent());
    assertEquals(24, defaults.idempotencyRetentionHours());
    Map<String, String> env = Map.of("COORDINATOR_MCP_SESSIONS_PER_AGENT", "8", "COORDINATOR_IDEMPOTENCY_RETENTION_HOURS", "48");
    CoordinatorConfig fromEnv = ConfigReader.read(List.of(), env);
    assertEquals(8, fromEnv.mcpSessionsPerAgent());
    assertEquals(48, fromEnv.idempotencyRetentionHours());
    CoordinatorConfig flagged = ConfigReader.read(List.of("--mcp-sessions-per-agent", "3", "--idempotency-retention=1"), env);
    assertEquals(3, flagged.mcpSessionsPerAgent());
    assertEquals(1, flagged.idempotencyRetentionHours());
    assertThrows(ConfigException.class, () -> ConfigReader.read(List.of("--idempotency-retention", "0"), Map.of()));
    assertThrows(ConfigException.class, () -> ConfigReader.read(List.of("--mcp-sessions-per-agent", "0"), Map.of()));
  }

  @Test
  void aRepeatedFlagTakesItsLastValue() {
    assertEquals(82, ConfigReader.read(List.of("--http-port", "81", "--http-port=82"), Map.of()).httpPort());
  }

  @Test
  void aBlankVariableCountsAsUnset() {
    assertEquals(8080, ConfigReader.read(List.of(), Map.of("COORDINATOR_HTTP_PORT", " ")).httpPort());
  }
}
