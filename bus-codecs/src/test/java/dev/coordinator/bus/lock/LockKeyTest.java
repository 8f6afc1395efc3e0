package dev.coordinator.bus.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

  /** Issue 11 item 17 (LOCK-1): one file, one key; the canonical form is NFC. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "src/caf\\u0065\\u0301.py | src/caf\\u00e9.py",
      "src/caf\\u00e9.py | src/caf\\u00e9.py",
      "src/\\u212b.txt | src/\\u00c5.txt",
      "db:caf\\u0065\\u0301 | db:caf\\u00e9",
      "src/\\ud83d\\ude00.py | src/\\ud83d\\ude00.py",
      "src/\\u4e2d\\u6587.py | src/\\u4e2d\\u6587.py"})
  void keepsKeysInTheirCanonicalForm(String given, String canonical) {
    assertEquals(unescape(canonical), LockKey.validate("key", unescape(given)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "src/a\\ud800.py", "src/a\\udfff.py", "src/\\ude00\\ud83d.py", "\\ud800",
      "src/\\u202egnp.exe", "src/a\\u202a.py", "src/a\\u202b.py", "src/a\\u202c.py", "src/a\\u202d.py",
      "src/a\\u2066.py", "src/a\\u2067.py", "src/a\\u2068.py", "src/a\\u2069.py", "src/a\\u200e.py", "src/a\\u200f.py",
      "src/a\\u200b.py", "src/a\\ufeff.py", "src/a\\u00ad.py", "src/a\\u2060.py",
      " src/a.py", "src/a.py ", "\\u00a0src/a.py", "src/a.py\\u3000", "src/a.py\\u2009", "db: users", "db:users ",
      "src/a\\u0085.py", "src/a\\u007f.py", "src/a\\u009b.py"})
  void refusesWhatCannotBeAPath(String key) {
    CoordinatorException refused = assertThrows(CoordinatorException.class, () -> LockKey.validate("key", unescape(key)));
    assertEquals(ErrorCode.VALIDATION_FAILED, refused.failure().code());
    assertEquals("key", refused.failure().details().getString("field"));
  }

  /** Java-style escapes (backslash, u, four hex digits), so the table can hold lone surrogates and invisible characters. */
  private static String unescape(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      if (text.startsWith("\\u", i)) {
        out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
        i += 5;
      } else {
        out.append(text.charAt(i));
      }
    }
    return out.toString();
  }

  @org.junit.jupiter.api.Test
  void allowsAtMost512Characters() {
    assertEquals(512, LockKey.validate("key", "a".repeat(512)).length());
    assertThrows(CoordinatorException.class, () -> LockKey.validate("key", "a".repeat(513)));
  }
}
