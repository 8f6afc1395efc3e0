package dev.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.Launched;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  private static final Path README = Launched.LAUNCHER.toAbsolutePath().getParent().getParent().resolve("README.md");
  /** Where the README's sessions expect the service: {@code bin/coordinator serve}'s default. */
  private static final String README_ADDRESS = "127.0.0.1:8080";
  private static final Pattern DEMO_KEY = Pattern.compile("^\\s+(alice|root)\\s+type \\S+\\s+trust \\d\\s+key (\\S+)$");

  @TempDir
  Path workDir;

  /** {@code serve} on the embedded database in this test's directory, listening on {@code port}. */
  private Launched serve(int port) {
    return Launched.start(workDir, List.of("serve", "--http-port", String.valueOf(port)))
        .awaitListening(Duration.ofSeconds(120));
  }

  private static String demoKey(Launched served, String agent) {
    for (String line : served.lines()) {
      Matcher matcher = DEMO_KEY.matcher(line);
      if (matcher.matches() && matcher.group(1).equals(agent)) {
        return matcher.group(2);
      }
    }
    throw new AssertionError("no demo key for " + agent + " in:\n" + served.output());
  }

  @Test
  void serveStartsOnTheEmbeddedDatabaseAndStopsOnSigterm() throws Exception {
    int port = Launched.freePort();
    String aliceKey;
    try (Launched served = serve(port)) {
      aliceKey = demoKey(served, "alice");
      demoKey(served, "root");
      Http http = new Http(port);
      JsonObject health = http.get("/health", null).json();
      assertEquals("ok", health.getString("status"), health::encode);
      assertEquals("up", health.getString("db"), health::encode);

      Http.Response acquired = http.post("/v1/locks/acquire", aliceKey, new JsonObject().put("key", "src/launcher.py"));
      assertEquals(200, acquired.status(), acquired::toString);
      assertEquals("alice", acquired.json().getJsonObject("lock").getString("holder"));
      assertEquals(200, http.post("/v1/locks/release", aliceKey, new JsonObject().put("key", "src/launcher.py")).status());

      int exit = served.stop();
      assertTrue(served.lines().contains("coordinator: shutting down"), () -> "exit " + exit + ":\n" + served.output());
      assertTrue(exit == 0 || exit == 143, "exit status after SIGTERM: " + exit);
    }
    try (Launched again = serve(port)) {
      assertFalse(again.lines().stream().anyMatch(line -> line.contains("created demo agents")),
          "a restart keeps the agents of the first start");
      Http.Response check = new Http(port).get("/v1/locks", aliceKey);
      assertEquals(200, check.status(), "the demo key of the first start still works: " + check);
      again.stop();
    }
  }

  /**
   * The README's curl sessions, run as printed against a fresh service, but on a free port instead
   * of the README's 8080: a fixed port failed when another build ran this test beside this one.
   */
  @Test
  void readmeCurlSessionsWorkAsPrinted() throws Exception {
    Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0,
        "curl is not installed; the README sessions need it");
    int port = Launched.freePort();
    String readme = Files.readString(README);
    assertTrue(readme.contains(README_ADDRESS), "README.md no longer says " + README_ADDRESS);
    readme = readme.replace(README_ADDRESS, "127.0.0.1:" + port);
    try (Launched served = serve(port)) {
      String alice = demoKey(served, "alice");
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
}
