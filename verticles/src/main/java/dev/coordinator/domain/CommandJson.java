package dev.coordinator.domain;

import dev.coordinator.bus.Command;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A command's fields as JSON with the API's snake_case names: the {@code params} of its audit row
 * and the input of its idempotency hash. Field order is the record's, so equal commands give
 * equal text.
 */
public final class CommandJson {
  private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();

  private CommandJson() {
  }

  public static JsonObject of(Command command) {
    JsonObject json = new JsonObject();
    for (RecordComponent component : COMPONENTS.computeIfAbsent(command.getClass(), Class::getRecordComponents)) {
      json.put(snakeCase(component.getName()), value(read(component, command)));
    }
    return json;
  }

  private static Object read(RecordComponent component, Command command) {
    try {
      return component.getAccessor().invoke(command);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + component, e);
    }
  }

  private static Object value(Object value) {
    if (value instanceof Instant instant) {
      return instant.toString();
    }
    if (value instanceof List<?> list) {
      return new JsonArray(list.stream().map(CommandJson::value).toList());
    }
    return value;
  }

  static String snakeCase(String name) {
    StringBuilder snake = new StringBuilder(name.length() + 4);
    for (char c : name.toCharArray()) {
      if (Character.isUpperCase(c)) {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }
}
