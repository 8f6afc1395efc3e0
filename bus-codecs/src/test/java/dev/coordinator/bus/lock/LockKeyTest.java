package dev.coordinator.bus.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lock key rules of api.md §5. */
class LockKeyTest {

  @ParameterizedTest
  @ValueSource(strings = {"src/a.py", "README.md", "a", "src/.hidden/x", "src/a..b.py", "api:users", "db:schema/users",
      "event:deploy", "flag:new-ui", "env:prod", "contract:billing-v2", "feature:search", "src/with:colon.py",
      "src/ünïcode.py", "src/spaces are fine.txt"})
  void acceptsCanonicalPathsAndKnownPrefixes(String key) {
    assertEquals(key, LockKey.validate("key", key));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/etc/passwd", "~/x", "../a", "a/../b", "a/./b", "./a", "a//b", "a/", "a\\b", "a\u0000b",
      "a\tb", "a\u2028b", "foo:bar", "http://example.com", "db:", "api: ", "C:/windows"})
  void refusesEverythingElse(String key) {
    CoordinatorException refused = assertThrows(CoordinatorException.class, () -> LockKey.validate("key", key));
    assertEquals(ErrorCode.VALIDATION_FAILED, refused.failure().code());
    assertEquals("key", refused.failure().details().getString("field"));
  }

  @org.junit.jupiter.api.Test
  void allowsAtMost512Characters() {
    assertEquals(512, LockKey.validate("key", "a".repeat(512)).length());
    assertThrows(CoordinatorException.class, () -> LockKey.validate("key", "a".repeat(513)));
  }
}
