package dev.coordinator.stress.bench;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.stress.service.NodeProcess;
import dev.coordinator.stress.service.Nodes;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The floor server ({@link FloorServer}) as a JVM of its own, so its CPU is not the load
 * generator's: started the first time a phase asks for it, with the nodes' JVM options, on the
 * database of the raw tables; its output in {@code DIR/floor.log}. Closing stops it.
 */
final class BenchFloor implements AutoCloseable {
  private final String javaOptions;
  private final Supplier<DatabaseUrl> database;
  private final Path log;
  private NodeProcess process;

  /** {@code database} is asked when the server starts, not before: the raw tables' service may not be up yet. */
  BenchFloor(String javaOptions, Supplier<DatabaseUrl> database, Path log) {
    this.javaOptions = javaOptions;
    this.database = database;
    this.log = log;
  }

  synchronized boolean started() {
    return process != null;
  }

  /** Its JVM's process id, once started. */
  synchronized OptionalLong pid() {
    return process == null ? OptionalLong.empty() : process.pid();
  }

  /** Its URL, started (and listening) first if it is not yet. */
  synchronized URI url() {
    if (process == null) {
      int port = Nodes.freePort();
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(List.of(javaOptions.trim().split("\\s+")));
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), FloorServer.class.getName(), String.valueOf(port),
          database.get().url()));
      NodeProcess starting = NodeProcess.of(command, log, port);
      try {
        starting.start();
      } catch (RuntimeException e) {
        starting.close();
        throw e;
      }
      process = starting;
    }
    return process.url();
  }

  /** Idempotent: the bench's shutdown hook may call it too. */
  @Override
  public synchronized void close() {
    if (process != null) {
      process.close();
    }
  }
}
