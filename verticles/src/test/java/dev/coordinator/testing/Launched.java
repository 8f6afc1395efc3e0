package dev.coordinator.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/coordinator} run as a user runs it, in a process of its own (the packaged jar, so
 * failsafe tests only), and everything it printed, standard output and error together. The
 * launcher {@code exec}s the JVM, so signals sent to {@link #pid()} reach the service itself.
 */
public final class Launched implements AutoCloseable {
  public static final Path LAUNCHER = Path.of(System.getProperty("coordinator.launcher", "../bin/coordinator"));
  public static final Path JAR = Path.of(System.getProperty("coordinator.jar", "target/coordinator.jar"));
  private static final String LISTENING = "coordinator: listening on";

  private final Process process;
  private final Thread reader;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  private Launched(Process process) {
    this.process = process;
    reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        out.lines().forEach(lines::add);
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code bin/coordinator args} in {@code workDir}, without a database URL from this JVM's environment. */
  public static Launched start(Path workDir, List<String> args) {
    assertTrue(Files.isRegularFile(JAR), "package the jar first: " + JAR);
    List<String> command = new ArrayList<>();
    command.add(LAUNCHER.toAbsolutePath().toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().put("COORDINATOR_JAR", JAR.toAbsolutePath().toString());
    builder.environment().remove("COORDINATOR_DB_URL");
    try {
      return new Launched(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
  }

  /** Waits until {@code serve} says it is listening; fails if it exits first or takes longer than {@code within}. */
  public Launched awaitListening(Duration within) {
    try {
      Await.until("serve is listening", within, () -> {
        assertTrue(process.isAlive(), () -> "serve exited early (" + process.exitValue() + ")");
        return lines().stream().anyMatch(line -> line.startsWith(LISTENING));
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; it printed:\n" + output(), e);
    }
    return this;
  }

  /** Waits for the process to end by itself and returns its exit status, once all it printed is read. */
  public int awaitExit(Duration within) {
    try {
      assertTrue(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS),
          () -> "still running after " + within.toSeconds() + " s:\n" + output());
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return process.exitValue();
  }

  /** Sends the signal {@code name} (TERM, KILL, STOP, CONT) as {@code kill -NAME} does. */
  public void signal(String name) {
    try {
      assertEquals(0, new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor(),
          "kill -" + name + " " + process.pid());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // Process.destroy() would also close our end of the output pipe, losing what shutdown prints.
  /** SIGTERM, then the exit status once the service has shut down. */
  public int stop() {
    signal("TERM");
    return awaitExit(Duration.ofSeconds(60));
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The lines printed so far. */
  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  public String output() {
    return String.join("\n", lines());
  }

  /** A port nobody listens on right now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills the process (SIGKILL) if it still runs, and waits for it to be gone. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
