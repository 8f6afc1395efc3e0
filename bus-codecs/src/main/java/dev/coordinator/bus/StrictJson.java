package dev.coordinator.bus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * Reads JSON text from clients under {@link JsonLimits}: the parser itself refuses deeper nesting and longer
 * strings, numbers and names (nothing over the limit is ever built), and a name given twice in one object is
 * refused rather than silently overwritten. Vert.x's codec stays as it is for what the service itself reads.
 */
public final class StrictJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(JsonLimits.MAX_DEPTH + JsonLimits.ENVELOPE_DEPTH)
          .maxStringLength(JsonLimits.MAX_STRING)
          .maxNumberLength(JsonLimits.MAX_NUMBER)
          .maxNameLength(JsonLimits.MAX_NAME)
          .build())
      .build();

  private StrictJson() {
  }

  /**
   * Why a text was refused. {@link #path()} locates a refused value (empty for text that is not JSON at all);
   * {@link #partial()} is what was read before the refusal, so a reply can still name the request's id.
   */
  public static final class Refused extends RuntimeException {
    private final transient List<String> path;
    private final transient Object partial;

    Refused(String reason, List<String> path, Object partial) {
      super(reason, null, false, false);
      this.path = List.copyOf(path);
      this.partial = partial;
    }

    public List<String> path() {
      return path;
    }

    public Object partial() {
      return partial;
    }

    /** The {@code VALIDATION_FAILED} to answer, naming {@code field}. */
    public CoordinatorException asInvalid(String field) {
      return CoordinatorException.invalid(field, getMessage());
    }
  }

  /** The one JSON value of {@code text} (objects as {@link JsonObject}, arrays as {@link JsonArray}). */
  public static Object decode(Buffer text) {
    Object[] root = new Object[1];
    try (JsonParser parser = FACTORY.createParser(text.getBytes())) {
      try {
        read(parser, root);
        if (parser.nextToken() != null) {
          throw new Refused("the text holds more than one JSON value", List.of(), root[0]);
        }
        return root[0];
      } catch (StreamConstraintsException e) {
        List<String> path = path(parser.getParsingContext());
        throw new Refused(where(path) + " " + limit(e), path, root[0]);
      } catch (OutOfRange e) {
        List<String> path = path(parser.getParsingContext());
        throw new Refused(where(path) + " is a number out of range (at most about 1.8e308 in size)", path, root[0]);
      } catch (DuplicateName e) {
        List<String> path = path(parser.getParsingContext());
        throw new Refused(where(path.subList(0, path.size() - 1)) + " names " + e.name + " twice", path, root[0]);
      }
    } catch (JsonProcessingException e) {
      throw new Refused("the text is not valid JSON", List.of(), root[0]);
    } catch (IOException e) {
      throw new Refused("the text could not be read", List.of(), root[0]);
    }
  }

  /** Builds the value in place, so that on a refusal {@code root[0]} holds everything read before it. */
  private static void read(JsonParser parser, Object[] root) throws IOException {
    Deque<Object> open = new ArrayDeque<>();
    String name = null;
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new JsonParseException(parser, "no JSON value");
    }
    do {
      Object value;
      switch (token) {
        case FIELD_NAME -> {
          name = parser.currentName();
          if (((JsonObject) open.peek()).containsKey(name)) {
            throw new DuplicateName(name);
          }
          continue;
        }
        case END_OBJECT, END_ARRAY -> {
          open.pop();
          continue;
        }
        case START_OBJECT -> value = new JsonObject();
        case START_ARRAY -> value = new JsonArray();
        case VALUE_STRING -> value = parser.getText();
        case VALUE_NUMBER_INT -> value = parser.getNumberValue();
        case VALUE_NUMBER_FLOAT -> {
          // Past a double's range the value would be Infinity, which is written back as the string "Infinity".
          value = parser.getNumberValue();
          if (value instanceof Double number && number.isInfinite()) {
            throw new OutOfRange();
          }
        }
        case VALUE_TRUE -> value = Boolean.TRUE;
        case VALUE_FALSE -> value = Boolean.FALSE;
        case VALUE_NULL -> value = null;
        default -> throw new JsonParseException(parser, "unexpected token " + token);
      }
      if (open.isEmpty()) {
        root[0] = value;
      } else if (open.peek() instanceof JsonObject object) {
        object.put(name, value);
      } else {
        ((JsonArray) open.peek()).add(value);
      }
      if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
        open.push(value);
      }
    } while (!open.isEmpty() && (token = parser.nextToken()) != null);
  }

  private static String limit(StreamConstraintsException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("nesting depth")) {
      return JsonLimits.tooDeep();
    }
    return "holds a string, number or name over the limits (" + JsonLimits.MAX_STRING + ", " + JsonLimits.MAX_NUMBER
        + " and " + JsonLimits.MAX_NAME + " characters)";
  }

  /** A readable location: the first levels of the path as a JSON Pointer. */
  private static String where(List<String> path) {
    if (path.isEmpty()) {
      return "the message";
    }
    int shown = Math.min(path.size(), 4);
    return "the value at /" + String.join("/", path.subList(0, shown)) + (shown < path.size() ? "/…" : "");
  }

  /** Names and indexes from the top of the document down to where the parser stands. */
  private static List<String> path(JsonStreamContext context) {
    List<String> path = new ArrayList<>();
    for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
      if (at.inObject() && at.getCurrentName() != null) {
        path.add(at.getCurrentName());
      } else if (at.inArray()) {
        path.add(String.valueOf(Math.max(0, at.getCurrentIndex())));
      }
    }
    Collections.reverse(path);
    return path;
  }

  private static final class OutOfRange extends IOException {
    OutOfRange() {
      super("number out of range", null);
    }
  }

  private static final class DuplicateName extends IOException {
    private final String name;

    DuplicateName(String name) {
      super("duplicate name " + name, null);
      this.name = name;
    }
  }
}
