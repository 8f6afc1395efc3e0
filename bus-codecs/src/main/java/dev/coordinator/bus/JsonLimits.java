package dev.coordinator.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The bounds every JSON value from a client must keep (api.md §3, HARD-1). Depth matters beyond size: a
 * value nested deeper than the encoder allows would be stored and then could never be answered.
 */
public final class JsonLimits {
  /** Levels of objects and arrays one field's value may nest ({@code [[1]]} is 2). */
  public static final int MAX_DEPTH = 32;
  /** Levels a whole message adds around a field's value: body or JSON-RPC message, params, arguments. */
  public static final int ENVELOPE_DEPTH = 3;
  /** Characters in one string; fields have tighter limits of their own. */
  public static final int MAX_STRING = 1 << 20;
  /** Characters in one number. */
  public static final int MAX_NUMBER = 100;
  /** Characters in one object member name. */
  public static final int MAX_NAME = 1_000;

  private JsonLimits() {
  }

  /** Throws {@code VALIDATION_FAILED} on {@code field} when {@code value} nests deeper than {@link #MAX_DEPTH}. */
  public static void checkDepth(String field, Object value) {
    if (depth(value) > MAX_DEPTH) {
      throw CoordinatorException.invalid(field, field + " " + tooDeep());
    }
  }

  static String tooDeep() {
    return "nests deeper than " + MAX_DEPTH + " levels of objects and arrays";
  }

  /** Levels of nesting, counted without recursion (the value may be deeper than the stack). */
  static int depth(Object value) {
    int deepest = 0;
    Deque<Map.Entry<Object, Integer>> pending = new ArrayDeque<>();
    pending.push(Map.entry(value == null ? 0 : value, 0));
    while (!pending.isEmpty()) {
      Map.Entry<Object, Integer> next = pending.pop();
      Iterable<?> children = children(next.getKey());
      if (children != null) {
        int level = next.getValue() + 1;
        deepest = Math.max(deepest, level);
        if (level <= MAX_DEPTH) {
          children.forEach(child -> pending.push(Map.entry(child == null ? 0 : child, level)));
        }
      }
    }
    return deepest;
  }

  private static Iterable<?> children(Object value) {
    if (value instanceof JsonObject object) {
      return object.getMap().values();
    }
    if (value instanceof JsonArray array) {
      return array.getList();
    }
    if (value instanceof Map<?, ?> map) {
      return map.values();
    }
    return value instanceof List<?> list ? list : null;
  }
}
