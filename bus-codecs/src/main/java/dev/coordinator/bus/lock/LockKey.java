package dev.coordinator.bus.lock;

import dev.coordinator.bus.CoordinatorException;
import java.util.Set;

/**
 * The lock key rules of api.md §5. Paths are kept canonical (no {@code .}, {@code ..} or empty
 * segments, no backslashes) so that two spellings of one file can never be two locks.
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
    if (key.length() > MAX_LENGTH) {
      throw CoordinatorException.invalid(field, field + " is longer than " + MAX_LENGTH + " characters");
    }
    if (key.chars().anyMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029)) {
      throw CoordinatorException.invalid(field, field + " must not contain control characters");
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
    return key;
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
