package dev.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11 item 18, ENF-2: who the caller is comes from exactly one Authorization header and one Host,
 * and guessing keys is audited and throttled per remote address (api.md §2).
 */
class AuthenticationTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static Http http;
  private static String alice;
  private static String bob;
  private static String root;

  @BeforeAll
  static void agents() {
    http = service.http();
    alice = service.agent("alice", "claude_code", 2);
    bob = service.agent("bob", "codex", 2);
    root = service.agent("root", "operator", 4);
  }

  /** One request written by hand (the JDK client will not send a header twice): status line and body. */
  private static Map.Entry<Integer, String> raw(String headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", service.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /v1/locks HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      return Map.entry(status, response.substring(response.indexOf("\r\n\r\n") + 4));
    }
  }

  private static void assertRefusedOn(Map.Entry<Integer, String> response, String field) {
    assertEquals(400, response.getKey(), response::getValue);
    JsonObject error = new JsonObject(response.getValue()).getJsonObject("error");
    assertEquals("VALIDATION_FAILED", error.getString("code"));
    assertEquals(field, error.getJsonObject("details").getString("field"));
  }

  @Test
  void oneAuthorizationHeaderOnly() throws IOException {
    String host = "Host: 127.0.0.1:" + service.port() + "\r\n";
    assertEquals(200, raw(host + "Authorization: Bearer " + alice + "\r\n").getKey(), "one header is fine");
    assertRefusedOn(raw(host + "Authorization: Bearer " + alice + "\r\nAuthorization: Bearer " + bob + "\r\n"),
        "Authorization");
  }

  @Test
  void oneHostHeaderOnly() throws IOException {
    String auth = "Authorization: Bearer " + alice + "\r\n";
    assertRefusedOn(raw("Host: 127.0.0.1\r\nHost: attacker.example\r\n" + auth), "Host");
    assertRefusedOn(raw("Host: attacker.example\r\nHost: 127.0.0.1\r\n" + auth), "Host");
  }

  @Test
  void wrongKeysAreAuditedAndThrottledWithoutLockingOutKnownKeys() {
    assertEquals(200, http.get("/v1/locks", alice).status(), "alice authenticated before the guessing began");
    assertEquals(200, http.get("/v1/profile", root).status());
    Http.Response first = http.get("/v1/locks", "ck_guess-number-00000");
    assertEquals(401, first.status());
    assertEquals("UNAUTHENTICATED", first.errorCode());
    assertTrue(first.header("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertEquals(1L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE action = 'authenticate' AND agent = 'anonymous' AND outcome = 'denied'"),
        "a wrong key is a decision with its audit row");

    int guesses = 3 * AuthThrottle.BURST;
    long started = System.nanoTime();
    boolean throttled = false;
    for (int i = 1; i <= guesses; i++) {
      Http.Response guess = http.get("/v1/locks", "ck_guess-number-" + String.format("%05d", i));
      assertEquals(401, guess.status(), guess::toString);
      assertEquals("UNAUTHENTICATED", guess.errorCode());
      throttled |= guess.header("Retry-After").isPresent();
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L + 1;
    long audited = (Long) service.database().value("SELECT count(*) FROM audit_log WHERE action = 'authenticate'");
    assertTrue(throttled, "some of " + guesses + " guesses in " + seconds + " s were throttled");
    assertTrue(audited <= 1 + AuthThrottle.BURST + seconds * 1_000 / AuthThrottle.REFILL_MS,
        audited + " audit rows for " + guesses + " guesses in " + seconds + " s: each throttled guess must cost nothing");

    assertEquals(200, http.get("/v1/locks", alice).status(), "a key that worked still works from a throttled address");
    Http.Response verify = http.get("/v1/audit/verify", root);
    assertEquals(true, verify.json().getBoolean("ok"), verify::toString);
  }
}
