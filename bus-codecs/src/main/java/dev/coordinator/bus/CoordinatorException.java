package dev.coordinator.bus;

import io.vertx.core.json.JsonObject;

/** Carries a {@link Reply.Failure} through a failed future inside one verticle. */
public final class CoordinatorException extends RuntimeException {
  private final Reply.Failure failure;

  public CoordinatorException(Reply.Failure failure) {
    super(failure.code() + ": " + failure.message(), null, false, false);
    this.failure = failure;
  }

  public static CoordinatorException of(ErrorCode code, String message) {
    return new CoordinatorException(Reply.Failure.of(code, message));
  }

  public static CoordinatorException invalid(String field, String message) {
    return new CoordinatorException(new Reply.Failure(ErrorCode.VALIDATION_FAILED, message,
        new JsonObject().put("field", field)));
  }

  public Reply.Failure failure() {
    return failure;
  }
}
