package dev.coordinator.stress.service;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One node of the service as a child JVM ({@code java -jar coordinator.jar serve ...}) on a fixed
 * loopback port, its output appended to a log file. It can be killed (SIGKILL), paused (SIGSTOP),
 * resumed (SIGCONT) and started again on the same port.
 */
public final class NodeProcess implements AutoCloseable {
  /** The line a JVM started here prints when it listens (the service's; the bench's floor server prints it too). */
  public static final String LISTENING = "coordinator: listening on";
  private static final long START_SECONDS = 120;

  private final int index;
  private final List<String> command;
  private final Path log;
  private final int port;
  private Process process;

  NodeProcess(int index, List<String> command, Path log, int port) {
    this.index = index;
    this.command = command;
    this.log = log;
    this.port = port;
  }

  /** Another JVM than a node (the bench's floor server), started the same way: it prints {@link #LISTENING} when ready. */
  public static NodeProcess of(List<String> command, Path log, int port) {
    return new NodeProcess(0, command, log, port);
  }

  public int index() {
    return index;
  }

  /** The running JVM's process id; empty before the first start. */
  public synchronized OptionalLong pid() {
    return process == null ? OptionalLong.empty() : OptionalLong.of(process.pid());
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  /** Starts the JVM and waits until it listens; throws when it exits first or takes too long. */
  public synchronized void start() {
    CountDownLatch listening = new CountDownLatch(1);
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      Process started = process;
      Thread copier = new Thread(() -> copy(started, listening), "node-" + index + "-log");
      copier.setDaemon(true);
      copier.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
      while (!listening.await(200, TimeUnit.MILLISECONDS)) {
        if (!started.isAlive()) {
          throw new IllegalStateException("node " + index + " exited with " + started.exitValue() + " before listening; see " + log);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("node " + index + " did not listen within " + START_SECONDS + " s; see " + log);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not start node " + index, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while node " + index + " started", e);
    }
  }

  private void copy(Process from, CountDownLatch listening) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(from.getInputStream(), StandardCharsets.UTF_8));
         BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.newLine();
        out.flush();
        if (line.startsWith(LISTENING)) {
          listening.countDown();
        }
      }
    } catch (IOException e) {
      // the node died; its log ends here
    }
  }

  /** SIGKILL, and waits for the process to be gone. */
  public synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  public synchronized void pause() {
    signal("STOP");
  }

  public synchronized void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      int exit = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited with " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM (a resumed process first, so it can act on it), then SIGKILL if it does not stop. */
  @Override
  public synchronized void close() {
    if (process == null || !process.isAlive()) {
      return;
    }
    signal("CONT");
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The command line of a node: flags every JVM of the service needs, then {@code serve} and its flags. */
  static List<String> command(String javaOptions, Path jar, List<String> serveFlags) {
    List<String> command = new ArrayList<>();
    // In a session of its own, a node does not get the Ctrl-C meant for the harness, which stops
    // the clients and still reads the nodes' final state (setsid execs in place: the pid stays the JVM's).
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(javaOptions.trim().split("\\s+")));
    command.addAll(JVM_FLAGS);
    command.add("-jar");
    command.add(jar.toString());
    command.add("serve");
    command.addAll(serveFlags);
    return command;
  }

  private static final Path SETSID = Path.of("/usr/bin/setsid");

  /** The same flags as the parent pom's coordinator.jvm.flags: Cedar's native library, Hazelcast's reflective access. */
  private static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");
}
