package dev.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/coordinator serve} as a user runs it: no configuration, so an embedded PostgreSQL;
 * demo keys printed; the README's curl session works; SIGTERM stops it; a restart keeps the data.
 */
class LauncherIT {
  private static final Path LAUNCHER = Path.of(System.getProperty("coordinator.launcher", "../bin/coordinator"));
  private static final Path JAR = Path.of(System.getProperty("coordinator.jar", "target/coordinator.jar"));
  private static final Path README = LAUNCHER.toAbsolutePath().getParent().getParent().resolve("README.md");
  private static final Pattern DEMO_KEY = Pattern.compile("^\\s+(alice|root)\\s+type \\S+\\s+trust \\d\\s+key (\\S+)$");

  @TempDir
  Path workDir;

  /** A running {@code serve} and everything it printed. */
  private final class Served implements AutoCloseable {
    final Process process;
    final Thread reader;
    /** Appended by the reader thread while the test reads: iterating it sees a snapshot, never a half-made change. */
    final List<String> lines = new CopyOnWriteArrayList<>();
    /** Completed by the reader: true once serve says it listens, false if its output ends first. */
    private final CompletableFuture<Boolean> listening = new CompletableFuture<>();
    final int port;

    Served(int port) throws Exception {
      this.port = port;
      ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toAbsolutePath().toString(), "serve", "--http-port", String.valueOf(port))
          .directory(workDir.toFile())
          .redirectErrorStream(true);
      builder.environment().put("COORDINATOR_JAR", JAR.toAbsolutePath().toString());
      builder.environment().remove("COORDINATOR_DB_URL");
      process = builder.start();
      reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          out.lines().forEach(line -> {
            lines.add(line);
            if (line.startsWith("coordinator: listening on")) {
              listening.complete(true);
            }
          });
        } catch (IOException ignored) {
          // the process ended
        } finally {
          listening.complete(false);
        }
      });
      reader.setDaemon(true);
      reader.start();
      try {
        assertTrue(listening.get(120, TimeUnit.SECONDS), () -> "serve exited early:\n" + String.join("\n", lines));
      } catch (TimeoutException e) {
        throw new AssertionError("serve did not start in 120 s:\n" + String.join("\n", lines), e);
      }
    }

    String demoKey(String agent) {
      for (String line : lines) {
        Matcher matcher = DEMO_KEY.matcher(line);
        if (matcher.matches() && matcher.group(1).equals(agent)) {
          return matcher.group(2);
        }
      }
      throw new AssertionError("no demo key for " + agent + " in:\n" + String.join("\n", lines));
    }

    // Process.destroy() would also close our end of the output pipe, losing what shutdown prints.
    int stop() throws InterruptedException, IOException {
      assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor());
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "serve did not stop within 60 s of SIGTERM");
      reader.join(10_000);
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  @Test
  void serveStartsOnTheEmbeddedDatabaseAndStopsOnSigterm() throws Exception {
    assertTrue(Files.isRegularFile(JAR), "package the jar first: " + JAR);
    int port = freePort();
    String aliceKey;
    try (Served served = new Served(port)) {
      aliceKey = served.demoKey("alice");
      served.demoKey("root");
      Http http = new Http(port);
      assertEquals(new JsonObject().put("status", "ok").put("db", "up"), http.get("/health", null).json());

      Http.Response acquired = http.post("/v1/locks/acquire", aliceKey, new JsonObject().put("key", "src/launcher.py"));
      assertEquals(200, acquired.status(), acquired::toString);
      assertEquals("alice", acquired.json().getJsonObject("lock").getString("holder"));
      assertEquals(200, http.post("/v1/locks/release", aliceKey, new JsonObject().put("key", "src/launcher.py")).status());

      int exit = served.stop();
      assertTrue(served.lines.contains("coordinator: shutting down"), () -> "exit " + exit + ":\n" + String.join("\n", served.lines));
      assertTrue(exit == 0 || exit == 143, "exit status after SIGTERM: " + exit);
    }
    try (Served again = new Served(port)) {
      assertFalse(again.lines.stream().anyMatch(line -> line.contains("created demo agents")),
          "a restart keeps the agents of the first start");
      Http.Response check = new Http(port).get("/v1/locks", aliceKey);
      assertEquals(200, check.status(), "the demo key of the first start still works: " + check);
      again.stop();
    }
  }

  /** The README's curl sessions, run as printed against a fresh service on the README's port. */
  @Test
  void readmeCurlSessionsWorkAsPrinted() throws Exception {
    Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0,
        "curl is not installed; the README sessions need it");
    String readme = Files.readString(README);
    int port = 8080;
    try (ServerSocket probe = new ServerSocket(port)) {
      probe.setReuseAddress(true);
    } catch (IOException busy) {
      Assumptions.abort("port 8080, which the README uses, is busy");
    }
    try (Served served = new Served(port)) {
      String alice = served.demoKey("alice");
      List<JsonObject> locks = runBlock(readme, "curl-session", alice);
      assertEquals(3, locks.size(), locks::toString);
      assertEquals("acquired", locks.get(0).getString("action"));
      assertEquals("alice", locks.get(1).getJsonArray("locks").getJsonObject(0).getString("holder"));
      assertEquals(new JsonObject().put("released", true), locks.get(2));

      List<JsonObject> queue = runBlock(readme, "queue-session", alice);
      assertEquals(3, queue.size(), queue::toString);
      assertEquals("pending", queue.get(0).getJsonObject("task").getString("status"));
      assertEquals("claimed", queue.get(1).getJsonObject("task").getString("status"));
      assertEquals("completed", queue.get(2).getJsonObject("task").getString("status"), queue::toString);
      served.stop();
    }
  }

  /** Runs the bash block after {@code <!-- marker} in the README; returns the JSON objects it printed. */
  private static List<JsonObject> runBlock(String readme, String marker, String aliceKey) throws Exception {
    Matcher block = Pattern.compile("<!-- " + marker + ".*?```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(block.find(), "README.md has no " + marker + " block");
    ProcessBuilder session = new ProcessBuilder("bash", "-euo", "pipefail", "-c", block.group(1)).redirectErrorStream(true);
    session.environment().put("ALICE_KEY", aliceKey);
    Process curl = session.start();
    String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, curl.exitValue(), output);
    return output.lines().filter(line -> line.startsWith("{")).map(JsonObject::new).toList();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
