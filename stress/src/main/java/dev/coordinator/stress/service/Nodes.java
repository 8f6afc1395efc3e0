package dev.coordinator.stress.service;

import dev.coordinator.db.DatabaseUrl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/** The nodes a run starts: loopback only, on one database, clustered when there are several. */
public final class Nodes implements AutoCloseable {
  /** The cluster ports nodes look for one another on; port 0 takes the first free one of them. */
  private static final String CLUSTER_MEMBERS = "127.0.0.1:5701-5730";

  private final List<NodeProcess> nodes;

  private Nodes(List<NodeProcess> nodes) {
    this.nodes = nodes;
  }

  /** What every node is started with; {@code extraFlags} go after the others (the bench's {@code --policy-engine}). */
  public record Settings(Path jar, String javaOptions, DatabaseUrl database, Path agentsFile, int sessionTimeoutSeconds,
                         long sweepMillis, String clusterName, Path logDir, List<String> extraFlags) {
  }

  /**
   * Starts the first node (it applies the migrations and loads the agents), then the others in
   * parallel, and waits until all listen.
   */
  public static Nodes start(int count, Settings settings) {
    List<NodeProcess> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int port = freePort();
      List<String> flags = new ArrayList<>(List.of("--db-url", settings.database().url(), "--http-host", "127.0.0.1",
          "--http-port", String.valueOf(port), "--agents-file", settings.agentsFile().toString(),
          "--session-timeout", String.valueOf(settings.sessionTimeoutSeconds()),
          "--sweep-interval", String.valueOf(settings.sweepMillis()),
          "--data-dir", settings.logDir().resolve("node-" + i).toString()));
      flags.addAll(settings.extraFlags());
      if (count > 1) {
        flags.addAll(List.of("--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", "0",
            "--cluster-name", settings.clusterName(), "--cluster-members", CLUSTER_MEMBERS));
      }
      nodes.add(new NodeProcess(i, NodeProcess.command(settings.javaOptions(), settings.jar(), flags),
          settings.logDir().resolve("node-" + i + ".log"), port));
    }
    Nodes started = new Nodes(nodes);
    ExecutorService starter = Executors.newFixedThreadPool(count);
    try {
      nodes.get(0).start();
      List<Future<?>> starts = new ArrayList<>();
      for (NodeProcess node : nodes.subList(1, nodes.size())) {
        starts.add(starter.submit(node::start));
      }
      for (Future<?> start : starts) {
        start.get();
      }
    } catch (RuntimeException e) {
      started.close();
      throw e;
    } catch (ExecutionException e) {
      started.close();
      throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      started.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while nodes started", e);
    } finally {
      starter.shutdown();
    }
    return started;
  }

  public List<NodeProcess> all() {
    return nodes;
  }

  public List<URI> urls() {
    return nodes.stream().map(NodeProcess::url).toList();
  }

  @Override
  public void close() {
    nodes.forEach(NodeProcess::close);
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
