package dev.coordinator.http;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.StrictJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Reads the parts of a request strictly; anything malformed is {@code VALIDATION_FAILED}. */
final class RequestParts {
  static final String SESSION_HEADER = "Coordinator-Session";
  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  static final int MAX_IDEMPOTENCY_KEY = 128;
  private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]+");

  private RequestParts() {
  }

  /** The body as a JSON object; an empty body is an empty object. A body must say it is JSON (api.md: UTF-8). */
  static JsonObject object(RoutingContext context) {
    return object(context.body().buffer(), context.request().getHeader("Content-Type"));
  }

  /** The same from the raw parts: everything a client controls, so that it can be fuzzed alone. */
  static JsonObject object(Buffer body, String contentType) {
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    if (!isJson(contentType)) {
      throw CoordinatorException.invalid("Content-Type", "a body must be sent as Content-Type: application/json (UTF-8)");
    }
    Object value;
    try {
      value = StrictJson.decode(body);
    } catch (StrictJson.Refused e) {
      throw e.path().isEmpty()
          ? CoordinatorException.invalid("body", "the body is not valid JSON")
          : e.asInvalid(e.path().get(0));
    }
    if (!(value instanceof JsonObject object)) {
      throw CoordinatorException.invalid("body", "the body must be a JSON object");
    }
    return object;
  }

  /** {@code application/json}, with no parameter but an optional UTF-8 charset. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].strip();
      if (!parameter.equals("charset=utf-8") && !parameter.equals("charset=\"utf-8\"")) {
        return false;
      }
    }
    return parts.length > 0 && parts[0].strip().equals("application/json");
  }

  /** Rejects query parameters the endpoint does not know, and repeats of single-valued ones. */
  static void onlyQueryParams(RoutingContext context, Set<String> known, Set<String> repeatable) {
    for (String name : context.queryParams().names()) {
      if (!known.contains(name)) {
        throw CoordinatorException.invalid(name, "unknown query parameter " + name);
      }
      if (!repeatable.contains(name) && context.queryParam(name).size() > 1) {
        throw CoordinatorException.invalid(name, name + " may be given once");
      }
    }
  }

  static String queryParam(RoutingContext context, String name) {
    List<String> values = context.queryParam(name);
    return values.isEmpty() ? null : values.get(0);
  }

  static String session(RoutingContext context) {
    String session = context.request().getHeader(SESSION_HEADER);
    if (session == null) {
      return null;
    }
    try {
      return UUID.fromString(session).toString();
    } catch (IllegalArgumentException e) {
      throw CoordinatorException.invalid(SESSION_HEADER, SESSION_HEADER + " must be a session id (a UUID)");
    }
  }

  static String idempotencyKey(RoutingContext context) {
    String key = context.request().getHeader(IDEMPOTENCY_HEADER);
    if (key != null && (key.length() > MAX_IDEMPOTENCY_KEY || !VISIBLE_ASCII.matcher(key).matches())) {
      throw CoordinatorException.invalid(IDEMPOTENCY_HEADER,
          IDEMPOTENCY_HEADER + " must be 1 to " + MAX_IDEMPOTENCY_KEY + " visible ASCII characters");
    }
    return key;
  }
}
