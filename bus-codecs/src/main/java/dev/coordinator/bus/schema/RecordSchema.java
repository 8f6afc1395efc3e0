package dev.coordinator.bus.schema;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;

/**
 * The JSON Schema of a reply record, read from the record itself: each component is a required
 * property in snake_case (the API's spelling of the record's camelCase), typed from its Java type,
 * and nothing else is allowed. {@link Nullable} components may be null; {@link NotShown} ones are
 * left out. A record whose JSON is not its components laid out (it renames or regroups them)
 * declares {@code public static JsonObject schema()} and that is used instead.
 */
public final class RecordSchema {
  /** Any JSON value: what a task's {@code input} and {@code result} hold. */
  public static final JsonArray ANY_JSON_TYPES = new JsonArray()
      .add("object").add("array").add("string").add("number").add("boolean").add("null");

  private RecordSchema() {
  }

  public static JsonObject of(Class<?> type) {
    JsonObject declared = declaredSchema(type);
    if (declared != null) {
      return declared;
    }
    if (!type.isRecord()) {
      throw new IllegalArgumentException(type.getName() + " is not a record and declares no schema()");
    }
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (RecordComponent component : type.getRecordComponents()) {
      if (component.isAnnotationPresent(NotShown.class)) {
        continue;
      }
      String name = snakeCase(component.getName());
      JsonObject schema = schema(component.getGenericType());
      properties.put(name, component.isAnnotationPresent(Nullable.class) ? nullable(schema) : schema);
      required.add(name);
    }
    return object(properties, required);
  }

  /** An object with exactly these properties, all required. */
  public static JsonObject object(JsonObject properties, JsonArray required) {
    return new JsonObject().put("type", "object").put("properties", properties).put("required", required)
        .put("additionalProperties", false);
  }

  /** {@code schema}, or null. */
  public static JsonObject nullable(JsonObject schema) {
    Object type = schema.getValue("type");
    if (type instanceof String single) {
      return schema.copy().put("type", new JsonArray().add(single).add("null"));
    }
    if (type instanceof JsonArray several && !several.contains("null")) {
      return schema.copy().put("type", several.copy().add("null"));
    }
    return schema;
  }

  public static JsonObject anyJson(String description) {
    return new JsonObject().put("type", ANY_JSON_TYPES.copy()).put("description", description);
  }

  static String snakeCase(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  private static JsonObject schema(Type type) {
    if (type instanceof ParameterizedType generic && generic.getRawType() instanceof Class<?> raw
        && Collection.class.isAssignableFrom(raw)) {
      return new JsonObject().put("type", "array").put("items", schema(generic.getActualTypeArguments()[0]));
    }
    if (!(type instanceof Class<?> plain)) {
      throw new IllegalArgumentException("no schema for " + type);
    }
    if (plain == String.class) {
      return new JsonObject().put("type", "string");
    }
    if (plain == Instant.class) {
      return new JsonObject().put("type", "string").put("format", "date-time");
    }
    if (plain == int.class || plain == long.class || plain == Integer.class || plain == Long.class) {
      return new JsonObject().put("type", "integer");
    }
    if (plain == double.class || plain == Double.class) {
      return new JsonObject().put("type", "number");
    }
    if (plain == boolean.class || plain == Boolean.class) {
      return new JsonObject().put("type", "boolean");
    }
    if (plain == JsonObject.class) {
      return new JsonObject().put("type", "object");
    }
    if (plain == Object.class) {
      return anyJson("any JSON value");
    }
    if (plain.isRecord()) {
      return of(plain);
    }
    throw new IllegalArgumentException("no schema for " + plain.getName());
  }

  private static JsonObject declaredSchema(Class<?> type) {
    Method method;
    try {
      method = type.getDeclaredMethod("schema");
    } catch (NoSuchMethodException e) {
      return null;
    }
    if (!Modifier.isStatic(method.getModifiers()) || method.getReturnType() != JsonObject.class) {
      return null;
    }
    try {
      return (JsonObject) method.invoke(null);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("the schema() of " + type.getName() + " failed", e);
    }
  }
}
