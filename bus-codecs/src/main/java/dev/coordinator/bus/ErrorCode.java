package dev.coordinator.bus;

/** The error codes of the API contract (api.md §3), each with its HTTP status. */
public enum ErrorCode {
  VALIDATION_FAILED(400),
  UNAUTHENTICATED(401),
  POLICY_DENIED(403),
  GUARDRAIL_BLOCKED(403),
  FOREIGN_ORIGIN(403),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  LOCK_HELD(409),
  NOT_LOCK_HOLDER(409),
  STALE_FENCING_TOKEN(409),
  NOT_CLAIMANT(409),
  STALE_CLAIM(409),
  INVALID_STATE(409),
  PAYLOAD_TOO_LARGE(413),
  UNKNOWN_DEPENDENCY(422),
  INTERNAL(500),
  UNAVAILABLE(503),
  TIMEOUT(504);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
