package dev.coordinator.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the service reads from flags and the environment, read once in Main.
 *
 * @param dbUrl {@code postgresql://user@host:port/db}, or null for the embedded database
 * @param dataDir where the embedded database keeps its files ({@code dataDir/pg})
 * @param allowedHosts host names accepted in {@code Host}/{@code Origin} besides loopback names
 * @param policyDir where the Cedar schema and policies are read from, or null for the bundled ones
 * @param mcpSessionsPerAgent how many MCP connections (Streamable HTTP sessions and WebSockets) one agent may hold on a node
 * @param idempotencyRetentionHours how long a stored Idempotency-Key outcome is kept for replays
 * @param cluster whether and how this node joins a cluster (api.md §7)
 * @param eventLoops the node's Vert.x event-loop threads: a request crosses from the HTTP entry to the
 *     policy verticle to a domain verticle and back, and each crossing between two threads wakes one;
 *     fewer threads than Vert.x's default of two per core made a lock cycle cost the node about a
 *     quarter less CPU on a 2-core machine (docs/performance.md)
 * @param metricsPublic whether {@code GET /metrics} answers callers on other machines too (else loopback only)
 */
public record CoordinatorConfig(
    String dbUrl,
    String httpHost,
    int httpPort,
    Path agentsFile,
    PolicyEngineKind policyEngine,
    Enforcement enforcement,
    ClusterSettings cluster,
    int sessionTimeoutSeconds,
    long sweepIntervalMs,
    long bodyLimitBytes,
    int dbPoolSize,
    int eventLoops,
    Path dataDir,
    List<String> allowedHosts,
    Path policyDir,
    int mcpSessionsPerAgent,
    int idempotencyRetentionHours,
    boolean metricsPublic) {

  public enum PolicyEngineKind { CEDAR, NATIVE }

  public enum Enforcement { ENFORCE, SHADOW }

  public CoordinatorConfig {
    allowedHosts = List.copyOf(allowedHosts);
  }

  public boolean embeddedDatabase() {
    return dbUrl == null;
  }

  public CoordinatorConfig withDbUrl(String url) {
    return new CoordinatorConfig(url, httpHost, httpPort, agentsFile, policyEngine, enforcement, cluster,
        sessionTimeoutSeconds, sweepIntervalMs, bodyLimitBytes, dbPoolSize, eventLoops, dataDir, allowedHosts, policyDir,
        mcpSessionsPerAgent, idempotencyRetentionHours, metricsPublic);
  }

  public CoordinatorConfig withHttpPort(int port) {
    return new CoordinatorConfig(dbUrl, httpHost, port, agentsFile, policyEngine, enforcement, cluster,
        sessionTimeoutSeconds, sweepIntervalMs, bodyLimitBytes, dbPoolSize, eventLoops, dataDir, allowedHosts, policyDir,
        mcpSessionsPerAgent, idempotencyRetentionHours, metricsPublic);
  }

  public CoordinatorConfig withEnforcement(Enforcement mode) {
    return new CoordinatorConfig(dbUrl, httpHost, httpPort, agentsFile, policyEngine, mode, cluster,
        sessionTimeoutSeconds, sweepIntervalMs, bodyLimitBytes, dbPoolSize, eventLoops, dataDir, allowedHosts, policyDir,
        mcpSessionsPerAgent, idempotencyRetentionHours, metricsPublic);
  }
}
