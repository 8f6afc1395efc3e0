package dev.coordinator.stress.service;

import dev.coordinator.stress.RunOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.List;

/**
 * The service under test: nodes the harness started on a fresh database, or the nodes of
 * {@code --target}. Closing stops what the harness started (nodes first, then the database).
 */
public record Service(List<URI> urls, Agents agents, Nodes nodes, ServiceDatabase database) implements AutoCloseable {

  public static Service start(RunOptions options, PrintStream console) throws IOException {
    if (options.targeted()) {
      return new Service(options.targets(), Agents.read(options.agentsFile()), null,
          options.dbUrl() == null ? null : new ExistingDatabase(options.dbUrl()));
    }
    if (!Files.isRegularFile(options.jar())) {
      throw new IllegalStateException("no service jar at " + options.jar() + " (build it: mvn -DskipTests package)");
    }
    String unique = "stress_" + Long.toUnsignedString(options.seed(), 36) + "_"
        + HexFormat.of().toHexDigits(System.nanoTime()).substring(8);
    ServiceDatabase database = options.dbUrl() != null ? LocalDatabase.create(options.dbUrl(), unique)
        : EmbeddedServer.start(options.out().resolve("pg").toAbsolutePath());
    try {
      Agents agents = Agents.generate(options.clients(), options.out().resolve("agents.json"));
      console.printf("stress: starting %d node(s) on %s%n", options.nodes(), database.url());
      Nodes nodes = Nodes.start(options.nodes(), new Nodes.Settings(options.jar().toAbsolutePath(), options.nodeJavaOptions(),
          database.url(), options.out().resolve("agents.json").toAbsolutePath(), options.sessionTimeoutSeconds(),
          options.sweepMillis(), unique.replace('_', '-'), options.out().toAbsolutePath(), List.of()));
      return new Service(nodes.urls(), agents, nodes, database);
    } catch (IOException | RuntimeException e) {
      database.close();
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      if (nodes != null) {
        nodes.close();
      }
    } finally {
      if (database != null) {
        database.close();
      }
    }
  }
}
