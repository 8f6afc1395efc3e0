package dev.coordinator.stress.bench;

import dev.coordinator.db.DatabaseUrl;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The raw side: pgbench running one of the hand-written scripts (resources bench/raw/*.sql) on
 * the same database, prepared statements, one connection per client; latency per transaction from
 * its per-transaction log.
 */
final class Pgbench {
  private final Path executable;
  private final Path scripts;
  private final DatabaseUrl database;
  private final CpuMeter cpu;

  private Pgbench(Path executable, Path scripts, DatabaseUrl database, CpuMeter cpu) {
    this.executable = executable;
    this.scripts = scripts;
    this.database = database;
    this.cpu = cpu;
  }

  /** pgbench on the PATH or next to an installed PostgreSQL's binaries; empty if none. */
  static Optional<Path> find() {
    Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(dir -> Path.of(dir, "pgbench"));
    Stream<Path> installed;
    try (Stream<Path> versions = Files.exists(Path.of("/usr/lib/postgresql")) ? Files.list(Path.of("/usr/lib/postgresql")) : Stream.empty()) {
      installed = versions.map(dir -> dir.resolve("bin/pgbench")).toList().stream();
    } catch (IOException e) {
      installed = Stream.empty();
    }
    return Stream.concat(onPath, installed).filter(Files::isExecutable).findFirst();
  }

  /** Copies the scripts out of the jar into {@code work} so pgbench can read them. */
  static Pgbench prepare(Path executable, Path work, DatabaseUrl database, CpuMeter cpu) throws IOException {
    Path scripts = Files.createDirectories(work.resolve("raw-scripts"));
    for (String name : List.of("lock_cycle.sql", "acquire.sql", "claim.sql", "lifecycle.sql")) {
      try (InputStream in = Pgbench.class.getResourceAsStream("/bench/raw/" + name)) {
        Files.write(scripts.resolve(name), in.readAllBytes());
      }
    }
    return new Pgbench(executable, scripts, database, cpu);
  }

  Path executable() {
    return executable;
  }

  /** Runs {@code script} with {@code clients} connections for {@code seconds}; fails if pgbench does. */
  Measurement run(String script, int clients, int seconds) {
    PgConnectOptions login = database.connectOptions();
    try {
      Path logs = Files.createTempDirectory(scripts, "log");
      List<String> command = new ArrayList<>(List.of(executable.toString(), "-n", "-M", "prepared", "-T", String.valueOf(seconds),
          "-c", String.valueOf(clients), "-j", String.valueOf(Math.min(clients, 2)), "-l", "--log-prefix=" + logs.resolve("tx"),
          "-h", login.getHost(), "-p", String.valueOf(login.getPort()), "-U", login.getUser(),
          "-f", scripts.resolve(script).toString(), login.getDatabase()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (login.getPassword() != null) {
        builder.environment().putAll(Map.of("PGPASSWORD", login.getPassword()));
      }
      CpuMeter.Sample before = cpu.sample();
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = process.waitFor();
      CpuMeter.Sample after = cpu.sample();
      if (exit != 0) {
        throw new IllegalStateException("pgbench " + script + " exited with " + exit + ":\n" + output);
      }
      Measurement measured = Measurement.of(clients, seconds, latencies(logs), 0, 0);
      Measurement measurement = measured.withCpu(cpu.use(before, after, measured.ops()));
      delete(logs);
      return measurement;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The third column of pgbench's per-transaction log: the transaction's latency in microseconds. */
  private static long[] latencies(Path logs) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(logs)) {
      files = list.toList();
    }
    LatencyLog all = new LatencyLog();
    for (Path file : files) {
      for (String line : Files.readAllLines(file)) {
        String[] columns = line.split(" ");
        if (columns.length > 2) {
          all.add(Long.parseLong(columns[2]) * 1000);
        }
      }
    }
    return all.values();
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
  }
}
