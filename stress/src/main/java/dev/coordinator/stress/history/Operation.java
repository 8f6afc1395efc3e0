package dev.coordinator.stress.history;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** An invocation paired with its completion; a completion of {@code null} means none was recorded (unknown). */
public record Operation(Event invoke, Event completion) {

  public String process() {
    return invoke.process();
  }

  public String op() {
    return invoke.op();
  }

  public JsonObject args() {
    return invoke.args();
  }

  public long id() {
    return invoke.opId();
  }

  public boolean ok() {
    return completion != null && completion.type() == Event.Type.OK;
  }

  public boolean failed() {
    return completion != null && completion.type() == Event.Type.FAIL;
  }

  /** Maybe happened: an {@code info} completion, or none at all. */
  public boolean unknown() {
    return completion == null || completion.type() == Event.Type.INFO;
  }

  public JsonObject result() {
    return completion == null || completion.result() == null ? new JsonObject() : completion.result();
  }

  public String error() {
    return completion == null ? null : completion.error();
  }

  public Instant invokedAt() {
    return invoke.wall();
  }

  /** When the client saw the answer; for an unknown outcome, never (the end of time). */
  public Instant completedAt() {
    return completion == null || unknown() ? Instant.MAX : completion.wall();
  }

  @Override
  public String toString() {
    return "#" + id() + " " + process() + " " + op() + " " + args().encode() + " -> "
        + (completion == null ? "(none)" : completion.type().json() + (error() == null ? "" : " " + error())
        + (completion.result() == null ? "" : " " + completion.result().encode()));
  }
}
