package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coordinator.db.Pools;
import dev.coordinator.testing.FuzzText;
import dev.coordinator.testing.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * HARD-1, ENF-3: every text an agent can hand the guardrails is checked against the patterns the
 * migrations store (loaded from PostgreSQL as the service loads them) within {@link #BOUND}, and
 * the answer is bounded: at most 20 matches per pattern, each at most 200 characters of the text.
 * A check that runs past the bound fails here through the service's own deadline (it would deny).
 * With java.util.regex, the committed 9 KB {@code git push} input ran for about a minute.
 * Committed inputs: src/test/resources/dev/coordinator/policy/GuardrailFuzzTestInputs; see docs/fuzzing.md.
 */
@Tag("HARD-1")
@Tag("ENF-3")
class GuardrailFuzzTest {
  /** Inputs stay under 64 KB; RE2/J needs milliseconds for them, so this only trips on a superlinear matcher. */
  private static final Duration BOUND = Duration.ofSeconds(2);
  private static final Guardrails GUARDRAILS = new Guardrails();
  private static TestDatabase database;
  private static Vertx vertx;
  private static int patterns;

  @BeforeAll
  static void load() throws Exception {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    Pool pool = Pools.create(vertx, database.url(), 1);
    try {
      patterns = GUARDRAILS.load(pool).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    database.close();
  }

  @FuzzTest(maxDuration = "3m")
  void everyTextIsCheckedInBoundedTime(byte[] data) {
    for (String text : FuzzText.of(data)) {
      long started = System.nanoTime();
      List<Guardrails.Violation> violations;
      try {
        violations = GUARDRAILS.check(text, 2, started + BOUND.toNanos());
      } catch (Guardrails.CheckFailed late) {
        fail("a check of " + text.length() + " characters did not finish within " + BOUND + ": " + late.getMessage());
        return;
      }
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMs <= BOUND.toMillis(), () -> tookMs + " ms for " + text.length() + " characters");
      assertTrue(violations.size() <= 20 * patterns, () -> violations.size() + " violations");
      for (Guardrails.Violation violation : violations) {
        assertTrue(violation.matchedText().length() <= 200 && text.contains(violation.matchedText()), violation::toString);
        assertEquals(violation.severity().equals("block") && !violation.bypassed(), violation.blocked(), violation::toString);
      }
    }
  }
}
