package dev.coordinator.db;

import dev.coordinator.Coordinator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every SQL statement the service's code holds, found by reflection rather than listed: each
 * {@code static final String} of each class compiled from the verticles module whose text starts
 * like a statement (SELECT, WITH, INSERT, UPDATE, DELETE). A {@code *_TEMPLATE} is completed by
 * its class; the statements made from it are constants of their own and are found instead.
 */
public final class SqlStatements {
  private static final Pattern STATEMENT = Pattern.compile("^\\s*(SELECT|INSERT|WITH|UPDATE|DELETE)\\b", Pattern.CASE_INSENSITIVE);
  /** A format placeholder left unfilled ({@code %s}, {@code %1$s}, {@code %d}); SQL's own {@code %} in LIKE patterns is not one. */
  public static final Pattern UNFILLED = Pattern.compile("%(\\d+\\$)?[sd]");

  /** One statement: where it is (Class.FIELD) and its text. */
  public record Statement(String where, String text) {
  }

  private SqlStatements() {
  }

  /** The statements of every class of the service (not of its tests), in a stable order. */
  public static List<Statement> all() {
    List<Statement> found = new ArrayList<>();
    for (Class<?> holder : serviceClasses()) {
      for (Field field : holder.getDeclaredFields()) {
        int modifiers = field.getModifiers();
        if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers) && field.getType() == String.class
            && !field.getName().endsWith("_TEMPLATE")) {
          String text = read(field);
          if (text != null && STATEMENT.matcher(text).find()) {
            found.add(new Statement(holder.getSimpleName() + "." + field.getName(), text));
          }
        }
      }
    }
    return found;
  }

  private static String read(Field field) {
    try {
      field.setAccessible(true);
      return (String) field.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The classes compiled from the verticles module's main sources (where {@link Coordinator} is). */
  private static List<Class<?>> serviceClasses() {
    Path root;
    try {
      root = Path.of(Coordinator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(file -> file.toString().endsWith(".class"))
          .map(file -> root.relativize(file).toString())
          .sorted(Comparator.naturalOrder())
          .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
          .<Class<?>>map(SqlStatements::load)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, true, SqlStatements.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
