package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.db.Pools;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HARD-1, ENF-3: every stored guardrail pattern runs in time linear in the text, whatever the
 * text, and a check never holds the policy gate. With java.util.regex, {@code "git push "} x 1000
 * (9 KB) took 35-60 s on git-force-push and every other request waited behind it.
 */
@Tag("HARD-1")
@Tag("ENF-3")
class GuardrailWorstCaseTest {
  private static final int SIZE = 1_000_000;
  /** Generous: RE2/J needs about a second for the worst of these on a busy 2-core machine. */
  private static final Duration BOUND = Duration.ofSeconds(30);

  @RegisterExtension
  static final RunningService SERVICE = new RunningService();

  /** Every row of the table, as the service loads it. */
  static Stream<Arguments> patterns() {
    return SERVICE.database().query("SELECT id, pattern FROM guardrails ORDER BY id").stream()
        .map(row -> Arguments.of(row.get("id"), row.get("pattern")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("patterns")
  void everyPatternIsLinearOnItsWorstInputs(String id, String pattern) {
    var compiled = Guardrails.compile(id, pattern);
    for (String unit : adversarialUnits(pattern)) {
      String text = unit.repeat(SIZE / unit.length() + 1).substring(0, SIZE);
      long started = System.nanoTime();
      assertTimeoutPreemptively(BOUND, () -> {
        var matcher = compiled.matcher(text);
        for (int found = 0; found < 20 && matcher.find(); found++) {
          matcher.group();
        }
      }, () -> id + " on " + SIZE + " characters of [" + unit + "] (after " + (System.nanoTime() - started) / 1_000_000 + " ms)");
    }
  }

  /**
   * Repetitions of the pattern's literal words, alone, with a space, as a flag, and all in a row:
   * the inputs that make a backtracking matcher try every split.
   */
  static List<String> adversarialUnits(String pattern) {
    Set<String> words = new LinkedHashSet<>();
    Matcher matcher = java.util.regex.Pattern.compile("[a-z][a-z_-]+").matcher(pattern.replaceAll("\\\\[a-zA-Z]", " "));
    while (matcher.find()) {
      words.add(matcher.group());
    }
    List<String> units = new ArrayList<>();
    for (String word : words) {
      units.add(word + " ");
      units.add(" -" + word);
    }
    units.add(String.join(" ", words) + " ");
    units.addAll(List.of("a", " ", "-", "'", "w"));
    return units;
  }

  @Test
  void aHugeCheckDoesNotHoldTheGateForOthers() throws Exception {
    Http http = SERVICE.http();
    String checker = SERVICE.agent("checker", "claude_code", 2);
    String other = SERVICE.agent("other", "claude_code", 1);
    HttpClient client = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (String unit : List.of("git push ", "rm -r ", "update t set ")) {
      String body = new JsonObject().put("text", unit.repeat(900_000 / unit.length())).encode();
      slow.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + SERVICE.port() + "/v1/guardrails/check"))
              .header("Authorization", "Bearer " + checker).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < 5; i++) {
      Http.Response answered = assertTimeoutPreemptively(Duration.ofSeconds(10),
          () -> http.post("/v1/policy/check", other, new JsonObject().put("action", "check_locks")),
          "a request through the policy gate waits behind a guardrail check");
      assertEquals(200, answered.status(), answered::toString);
    }
    for (CompletableFuture<HttpResponse<String>> check : slow) {
      HttpResponse<String> response = assertTimeoutPreemptively(BOUND, () -> check.get());
      assertTrue(response.statusCode() == 200 || response.statusCode() == 403, response::body);
    }
  }

  @Test
  void aPatternRe2CannotRunIsRefused() {
    var refused = assertThrows(IllegalStateException.class, () -> Guardrails.compile("lookahead", "git(?=push)"));
    assertTrue(refused.getMessage().contains("RE2/J"), refused::getMessage);
    var constraint = assertThrows(RuntimeException.class, () -> SERVICE.database().execute(
        "INSERT INTO guardrails (id, category, pattern, severity, description) VALUES ('x', 'c', '(a)\\1', 'warn', 'd')"));
    assertTrue(String.valueOf(constraint.getMessage()).contains("guardrails_pattern_is_re2")
        || String.valueOf(constraint.getCause()).contains("guardrails_pattern_is_re2"), constraint::toString);
    assertEquals(Map.of("n", 0L), SERVICE.database().query("SELECT count(*) AS n FROM guardrails WHERE id = 'x'").get(0));
  }

  @Test
  void textPastTheBoundOrTheDeadlineIsACheckThatFailed() throws Exception {
    Guardrails guardrails = new Guardrails();
    assertThrows(Guardrails.CheckFailed.class, () -> guardrails.check("rm -rf /", 2), "nothing loaded");
    var pool = Pools.create(SERVICE.vertx(), SERVICE.database().url(), 1);
    try {
      guardrails.load(pool).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
    assertEquals("rm-recursive-force", guardrails.check("rm -rf /", 2).get(0).pattern());
    assertThrows(Guardrails.CheckFailed.class, () -> guardrails.check("x".repeat(Guardrails.MAX_TEXT + 1), 2));
    String big = "git push ".repeat(100_000);
    assertThrows(Guardrails.CheckFailed.class, () -> guardrails.check(big, 2, System.nanoTime() - 1),
        "a check past its deadline fails (and its caller denies)");
  }
}
