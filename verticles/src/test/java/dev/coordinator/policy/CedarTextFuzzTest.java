package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coordinator.testing.FuzzText;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * HARD-1: every text an author hands {@code /v1/policy/validate} either is refused by
 * {@link CedarTextBounds} without reaching the native library, or is safe to give it: the
 * in-process Cedar parse and validation answers (valid, or errors) and the JVM lives. The check
 * runs on a thread with the 512 KiB stack bin/coordinator gives its threads ({@code -Xss512k}),
 * where the native recursion is closest to the edge. On a breach this test does not fail, it ends
 * its JVM with SIGSEGV, and so the build.
 * Committed inputs: src/test/resources/dev/coordinator/policy/CedarTextFuzzTestInputs; see docs/fuzzing.md.
 */
@Tag("HARD-1")
class CedarTextFuzzTest {
  private static final long SERVICE_STACK = 512 * 1024;
  private static ExecutorService worker;
  private static CedarPolicies policies;

  @BeforeAll
  static void load() throws Exception {
    worker = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(null, task, "cedar-fuzz", SERVICE_STACK);
      thread.setDaemon(true);
      return thread;
    });
    policies = CedarPolicies.load(null);
  }

  @AfterAll
  static void stop() {
    worker.shutdownNow();
  }

  @FuzzTest(maxDuration = "3m")
  void cedarSeesOnlyTextWithinTheBounds(byte[] data) throws Exception {
    for (String text : FuzzText.of(data)) {
      List<String> unsafe = CedarTextBounds.problems(text);
      List<String> answer = checked(text);
      if (unsafe.isEmpty()) {
        assertTrue(answer.stream().noneMatch(error -> error.startsWith("not accepted: ")), answer::toString);
      } else {
        assertEquals(unsafe.stream().map(problem -> "not accepted: " + problem).toList(), answer);
      }
    }
  }

  /** {@link CedarPolicies#check} on the service-sized stack: a list of errors (empty: valid), never a throw or a hang. */
  private static List<String> checked(String text) throws InterruptedException {
    try {
      List<String> answer = worker.submit(() -> policies.check(text)).get(30, TimeUnit.SECONDS);
      assertFalse(answer == null);
      return answer;
    } catch (ExecutionException e) {
      throw new AssertionError("the check of " + text.length() + " characters threw", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the check of " + text.length() + " characters did not end within 30 s");
    }
  }
}
