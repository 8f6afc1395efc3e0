package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/** What every bus request answers: a result or an error, both values. */
public sealed interface Reply extends BusMessage {

  record Success(Payload payload) implements Reply {
  }

  record Failure(ErrorCode code, String message, JsonObject details) implements Reply {
    public Failure {
      details = details == null ? new JsonObject() : details;
    }

    public static Failure of(ErrorCode code, String message) {
      return new Failure(code, message, new JsonObject());
    }

    /** The error body of api.md §3. */
    public JsonObject toJson() {
      return new JsonObject().put("error", new JsonObject()
          .put("code", code.name())
          .put("message", message)
          .put("details", details));
    }

    public CoordinatorException exception() {
      return new CoordinatorException(this);
    }
  }

  static Reply success(Payload payload) {
    return new Success(payload);
  }
}
