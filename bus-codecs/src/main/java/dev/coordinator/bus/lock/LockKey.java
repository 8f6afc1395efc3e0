package dev.coordinator.bus.lock;

import dev.coordinator.bus.CoordinatorException;
import java.text.Normalizer;
import java.util.Set;

/**
 * The lock key rules of api.md §5. Paths are kept canonical (NFC; no {@code .}, {@code ..} or empty
 * segments, no backslashes) so that two spellings of one file can never be two locks; what cannot be
 * a path (lone surrogates, control and format characters such as bidi overrides, whitespace at the
 * edges) is refused rather than repaired, so that no two different keys can become one either.
 */
public final class LockKey {
  public static final int MAX_LENGTH = 512;
  public static final Set<String> PREFIXES = Set.of("api", "db", "event", "flag", "env", "contract", "feature");

  private LockKey() {
  }

  /** Returns the key, or throws {@code VALIDATION_FAILED} on {@code field} saying what is wrong. */
  public static String validate(String field, String key) {
    if (key == null || key.isEmpty()) {
      throw CoordinatorException.invalid(field, field + " must not be empty");
    }
    // Code points, not chars: a lone surrogate is its own code point of type SURROGATE (a pair is one letter).
    if (key.codePoints().anyMatch(LockKey::unprintable)) {
      throw CoordinatorException.invalid(field, field
          + " must not contain control characters, format characters (such as bidi overrides) or lone surrogates");
    }
    if (blankAt(key, 0) || blankAt(key, key.length() - 1)) {
      throw CoordinatorException.invalid(field, field + " must not begin or end with whitespace");
    }
    return canonical(field, Normalizer.normalize(key, Normalizer.Form.NFC));
  }

  /** Checked after normalization: what is stored must fit (NFC may lengthen a few characters). */
  private static String canonical(String field, String key) {
    if (key.length() > MAX_LENGTH) {
      throw CoordinatorException.invalid(field, field + " is longer than " + MAX_LENGTH + " characters");
    }
    int colon = key.indexOf(':');
    int slash = key.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash)) {
      return logicalKey(field, key, colon);
    }
    return path(field, key);
  }

  private static String logicalKey(String field, String key, int colon) {
    String prefix = key.substring(0, colon);
    if (!PREFIXES.contains(prefix)) {
      throw CoordinatorException.invalid(field,
          "unknown key prefix '" + prefix + ":'; use a repo-relative path or one of " + PREFIXES.stream().sorted().toList());
    }
    if (key.length() == colon + 1 || key.substring(colon + 1).isBlank()) {
      throw CoordinatorException.invalid(field, field + " needs a name after '" + prefix + ":'");
    }
    if (blankAt(key, colon + 1)) {
      throw CoordinatorException.invalid(field, field + " must not have whitespace after '" + prefix + ":'");
    }
    return key;
  }

  private static boolean unprintable(int codePoint) {
    int type = Character.getType(codePoint);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }

  private static boolean blankAt(String key, int index) {
    char c = key.charAt(index);
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  private static String path(String field, String key) {
    if (key.startsWith("/") || key.startsWith("~")) {
      throw CoordinatorException.invalid(field, field + " must be a repo-relative path, not an absolute one");
    }
    if (key.indexOf('\\') >= 0) {
      throw CoordinatorException.invalid(field, field + " must use '/' as the path separator");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw CoordinatorException.invalid(field,
            field + " must be a canonical relative path (no empty, '.' or '..' segments)");
      }
    }
    return key;
  }
}
