package dev.coordinator.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.lock.LockKey;
import dev.coordinator.testing.FuzzText;
import java.text.Normalizer;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * HARD-1, LOCK-1 (api.md §5): whatever text names a lock, {@link LockKey#validate} either refuses
 * it with {@code VALIDATION_FAILED} on {@code key}, or returns a canonical key that is bounded,
 * NFC, its own canonical form, the same for every canonically equivalent spelling, and shaped as
 * §5 says (a known prefix, or a relative path without empty, {@code .} or {@code ..} segments).
 * Committed inputs: src/test/resources/dev/coordinator/lock/LockKeyFuzzTestInputs; see docs/fuzzing.md.
 */
@Tag("HARD-1")
@Tag("LOCK-1")
class LockKeyFuzzTest {

  @FuzzTest(maxDuration = "3m")
  void aKeyIsRefusedOrCanonical(byte[] data) {
    for (String key : FuzzText.of(data)) {
      String canonical;
      try {
        canonical = LockKey.validate("key", key);
      } catch (CoordinatorException refused) {
        assertEquals(ErrorCode.VALIDATION_FAILED, refused.failure().code(), refused::getMessage);
        assertEquals("key", refused.failure().details().getString("field"), refused::getMessage);
        continue;
      }
      assertTrue(canonical.length() <= LockKey.MAX_LENGTH, () -> canonical.length() + " characters");
      assertTrue(Normalizer.isNormalized(canonical, Normalizer.Form.NFC), canonical);
      assertEquals(canonical, LockKey.validate("key", canonical), "canonical twice is the same key");
      assertEquals(canonical, LockKey.validate("key", Normalizer.normalize(key, Normalizer.Form.NFD)),
          "another spelling of the same text is the same lock");
      assertShaped(canonical);
    }
  }

  private static void assertShaped(String key) {
    int colon = key.indexOf(':');
    int slash = key.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash)) {
      assertTrue(LockKey.PREFIXES.contains(key.substring(0, colon)), key);
      return;
    }
    assertFalse(key.startsWith("/") || key.startsWith("~") || key.contains("\\"), key);
    for (String segment : key.split("/", -1)) {
      assertFalse(List.of("", ".", "..").contains(segment), key);
    }
  }
}
