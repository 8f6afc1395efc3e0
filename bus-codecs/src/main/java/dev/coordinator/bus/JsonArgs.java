package dev.coordinator.bus;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the fields of a request body strictly: wrong types, out-of-range numbers and, on
 * {@link #done()}, fields nobody asked for are {@code VALIDATION_FAILED} naming the field.
 */
public final class JsonArgs {
  private final JsonObject json;
  private final Set<String> read = new HashSet<>();

  private JsonArgs(JsonObject json) {
    this.json = json == null ? new JsonObject() : json;
  }

  public static JsonArgs of(JsonObject json) {
    return new JsonArgs(json);
  }

  /** A whole number from a query parameter (null: {@code fallback}), within bounds. */
  public static int queryInt(String field, String text, int min, int max, int fallback) {
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CoordinatorException.invalid(field, field + " must be a whole number from " + min + " to " + max);
  }

  /** A text from a query parameter: null, or 1 to {@code maxLength} characters. */
  public static String queryText(String field, String text, int maxLength) {
    if (text != null && (text.isEmpty() || text.length() > maxLength)) {
      throw CoordinatorException.invalid(field, field + " must have 1 to " + maxLength + " characters");
    }
    if (hasNul(text)) {
      throw nul(field);
    }
    return text;
  }

  /**
   * PostgreSQL text and jsonb cannot hold U+0000: a request carrying it in any string or object
   * key, at any depth, is {@code VALIDATION_FAILED} naming the top-level field, before anything
   * tries to store it.
   */
  public static void rejectNul(JsonObject json) {
    if (json == null) {
      return;
    }
    for (var field : json) {
      if (hasNul(field.getKey()) || hasNul(field.getValue())) {
        throw nul(field.getKey());
      }
    }
  }

  /** Whether {@code value} (a string, or JSON of any depth) holds U+0000 in a string or key. */
  public static boolean hasNul(Object value) {
    if (value instanceof String text) {
      return text.indexOf(0) >= 0;
    }
    if (value instanceof JsonObject object) {
      for (var field : object) {
        if (hasNul(field.getKey()) || hasNul(field.getValue())) {
          return true;
        }
      }
      return false;
    }
    if (value instanceof Iterable<?> items) {
      for (Object item : items) {
        if (hasNul(item)) {
          return true;
        }
      }
    }
    return false;
  }

  private static CoordinatorException nul(String field) {
    return CoordinatorException.invalid(field, field + " must not contain the character U+0000");
  }

  /** The earliest time a request may name (PostgreSQL's timestamptz holds far more; nothing needs it). */
  public static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
  /** The latest time a request may name: beyond this, times are typos or attacks on the database's range. */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  /** {@code time}, if it lies from {@link #EARLIEST} to {@link #LATEST}; else {@code VALIDATION_FAILED}. */
  public static Instant inRange(String field, Instant time) {
    if (time != null && (time.isBefore(EARLIEST) || time.isAfter(LATEST))) {
      throw CoordinatorException.invalid(field, field + " must be a time from " + EARLIEST + " to " + LATEST);
    }
    return time;
  }

  /** Reads {@code json} with {@code reader}, then rejects any field the reader did not ask for. */
  public static <T> T read(JsonObject json, Function<JsonArgs, T> reader) {
    rejectNul(json);
    JsonArgs args = of(json);
    T value = reader.apply(args);
    args.done();
    return value;
  }

  public String requiredString(String field, int maxLength) {
    String value = optionalString(field, maxLength);
    if (value == null) {
      throw CoordinatorException.invalid(field, field + " is required");
    }
    return value;
  }

  public String optionalString(String field, int maxLength) {
    Object value = take(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw CoordinatorException.invalid(field, field + " must be a string");
    }
    if (text.length() > maxLength) {
      throw CoordinatorException.invalid(field, field + " is longer than " + maxLength + " characters");
    }
    return text;
  }

  public int intInRange(String field, int min, int max, int fallback) {
    Long value = optionalLong(field, min, max);
    return value == null ? fallback : value.intValue();
  }

  public Integer optionalInt(String field, int min, int max) {
    Long value = optionalLong(field, min, max);
    return value == null ? null : value.intValue();
  }

  public long requiredLong(String field, long min, long max) {
    Long value = optionalLong(field, min, max);
    if (value == null) {
      throw CoordinatorException.invalid(field, field + " is required");
    }
    return value;
  }

  public Long optionalLong(String field, long min, long max) {
    Object value = take(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw CoordinatorException.invalid(field, field + " must be a whole number");
    }
    long number = ((Number) value).longValue();
    if (number < min || number > max) {
      throw CoordinatorException.invalid(field, field + " must be between " + min + " and " + max);
    }
    return number;
  }

  public List<String> optionalStringList(String field, int maxItems, int maxLength) {
    Object value = take(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array)) {
      throw CoordinatorException.invalid(field, field + " must be a list of strings");
    }
    if (array.size() > maxItems) {
      throw CoordinatorException.invalid(field, field + " has more than " + maxItems + " items");
    }
    List<String> items = new ArrayList<>(array.size());
    for (Object item : array) {
      if (!(item instanceof String text) || text.length() > maxLength) {
        throw CoordinatorException.invalid(field,
            field + " must hold strings of at most " + maxLength + " characters");
      }
      items.add(text);
    }
    return List.copyOf(items);
  }

  public boolean requiredBoolean(String field) {
    Object value = take(field);
    if (!(value instanceof Boolean flag)) {
      throw CoordinatorException.invalid(field, field + (value == null ? " is required" : " must be true or false"));
    }
    return flag;
  }

  /**
   * Any JSON value but null, kept as it is; {@code maxBytes} bounds its encoded size and
   * {@link JsonLimits#MAX_DEPTH} its nesting (checked first: a deeper value may not even encode).
   */
  public Object optionalJson(String field, int maxBytes) {
    Object value = take(field);
    JsonLimits.checkDepth(field, value);
    if (value != null && Json.encode(value).length() > maxBytes) {
      throw CoordinatorException.invalid(field, field + " is larger than " + maxBytes + " bytes");
    }
    return value;
  }

  public Instant optionalInstant(String field) {
    String text = optionalString(field, 64);
    if (text == null) {
      return null;
    }
    try {
      return inRange(field, OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      throw CoordinatorException.invalid(field, field + " must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
    }
  }

  /** Rejects every field that was not read: no silent typos. */
  public void done() {
    for (String field : json.fieldNames()) {
      if (!read.contains(field)) {
        throw CoordinatorException.invalid(field, "unknown field " + field);
      }
    }
  }

  private Object take(String field) {
    read.add(field);
    return json.getValue(field);
  }
}
