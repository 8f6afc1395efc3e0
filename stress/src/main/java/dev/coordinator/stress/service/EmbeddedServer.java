package dev.coordinator.stress.service;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.EmbeddedDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An embedded PostgreSQL (zonky) started by the harness under the output directory: it can stop
 * and start it. Durable like the service's own embedded database ({@link EmbeddedDatabase#durable}).
 */
public final class EmbeddedServer implements ServiceDatabase {
  private final Path dataDir;
  private static final long STOP_SECONDS = 120;
  private EmbeddedPostgres postgres;
  private final int port;

  private EmbeddedServer(Path dataDir, EmbeddedPostgres postgres) {
    this.dataDir = dataDir;
    this.postgres = postgres;
    this.port = postgres.getPort();
  }

  /** Starts a new server in {@code dataDir}, which must not exist yet (a run never reuses another's data). */
  public static EmbeddedServer start(Path dataDir) {
    if (Files.exists(dataDir)) {
      throw new IllegalStateException(dataDir + " exists already: give the run a new --out directory");
    }
    try {
      // Files are kept when it stops (restart-db starts it again on them); the run's directory owns them.
      return new EmbeddedServer(dataDir, builder(dataDir).start());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL under " + dataDir, e);
    }
  }

  /** The harness stops it itself, after the final reads: an interrupted run still reads and checks (Interruption). */
  private static EmbeddedPostgres.Builder builder(Path dataDir) {
    return EmbeddedDatabase.durable(dataDir).setRegisterShutdownHook(false);
  }

  @Override
  public DatabaseUrl url() {
    return new DatabaseUrl("postgresql://postgres@127.0.0.1:" + port + "/postgres");
  }

  @Override
  public boolean restartable() {
    return true;
  }

  @Override
  public synchronized void restart() {
    try {
      stop();
      postgres = builder(dataDir).setPort(port).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not restart the embedded PostgreSQL", e);
    }
  }

  /**
   * Stops the server and waits until its postmaster is gone: the library gives a fast shutdown
   * 5 s and then only logs, and with fsync on the shutdown checkpoint can take longer on a busy
   * machine; a restart on the same files and port, or their removal, must not overlap it.
   */
  private void stop() throws IOException {
    OptionalLong postmaster = postmasterOf(dataDir);
    postgres.close();
    if (postmaster.isPresent()) {
      ProcessHandle.of(postmaster.getAsLong()).ifPresent(server -> {
        try {
          server.onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
          throw new IllegalStateException("the embedded PostgreSQL did not stop within " + STOP_SECONDS + " s", e);
        }
      });
    }
  }

  /** The pid in a PostgreSQL data directory's postmaster.pid, if this machine can read it. */
  public static OptionalLong postmasterOf(Path dataDir) {
    try {
      return OptionalLong.of(Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim()));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** Stops the server and removes its files: the run's record is the history, not the database. */
  @Override
  public synchronized void close() {
    try {
      stop();
      try (var files = Files.walk(dataDir)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
