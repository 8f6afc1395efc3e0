package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Crafted histories for the checker: times are milliseconds after a fixed origin, on one clock. */
final class HistoryBuilder {
  static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

  private final List<Event> events = new ArrayList<>();

  static Instant at(long millis) {
    return ORIGIN.plusMillis(millis);
  }

  static String time(long millis) {
    return at(millis).toString();
  }

  /** One operation: its invocation at {@code invokeMs} and completion at {@code doneMs} (no completion when type is null). */
  long op(String process, String op, JsonObject args, long invokeMs, Event.Type type, long doneMs, JsonObject result, String error) {
    long id = events.size();
    events.add(new Event(id, id, Event.Type.INVOKE, process, op, args, null, null, invokeMs * 1_000_000, at(invokeMs)));
    if (type != null) {
      events.add(new Event(events.size(), id, type, process, op, null, result, error, doneMs * 1_000_000, at(doneMs)));
    }
    return id;
  }

  static JsonObject args(String agent, String session) {
    return new JsonObject().put("agent", agent).put("session", session);
  }

  static JsonObject lock(String key, String holder, String session, long token, long acquiredMs, long expiresMs) {
    return new JsonObject().put("key", key).put("holder", holder).put("session_id", session).put("fencing_token", token)
        .put("acquired_at", time(acquiredMs)).put("expires_at", time(expiresMs));
  }

  long acquire(String agent, String session, String key, long token, long acquiredMs, long expiresMs) {
    return op(agent, "acquire", args(agent, session).put("key", key), acquiredMs - 5, Event.Type.OK, acquiredMs + 5,
        new JsonObject().put("lock", lock(key, agent, session, token, acquiredMs, expiresMs)).put("action", "acquired"), null);
  }

  long release(String agent, String session, String key, long invokeMs, Event.Type outcome) {
    return op(agent, "release", args(agent, session).put("key", key), invokeMs, outcome, invokeMs + 5,
        outcome == Event.Type.OK ? new JsonObject().put("released", true) : null, null);
  }

  long write(String agent, String key, long token, long atMs, boolean accepted, long sequence) {
    return op(agent, "write", args(agent, null).put("key", key).put("fencing_token", token), atMs, Event.Type.OK, atMs,
        new JsonObject().put("accepted", accepted).put("sequence", sequence), null);
  }

  static JsonObject task(String id, String status, long claimedMs, long leaseMs, String token) {
    return new JsonObject().put("id", id).put("status", status).put("claim_token", token)
        .put("claimed_at", time(claimedMs)).put("lease_expires_at", time(leaseMs));
  }

  long submit(String agent, String id, long atMs, String... dependsOn) {
    return op(agent, "submit", args(agent, null).put("depends_on", new JsonArray(List.of((Object[]) dependsOn))), atMs,
        Event.Type.OK, atMs + 5, new JsonObject().put("task", new JsonObject().put("id", id).put("status", "pending")), null);
  }

  long claim(String agent, String session, String id, String token, long claimedMs, long leaseMs) {
    return op(agent, "claim", args(agent, session), claimedMs - 5, Event.Type.OK, claimedMs + 5,
        new JsonObject().put("task", task(id, "claimed", claimedMs, leaseMs, token)), null);
  }

  long complete(String agent, String session, String id, String token, long invokeMs, long completedMs) {
    JsonObject done = new JsonObject().put("id", id).put("status", "completed").put("completed_at", time(completedMs))
        .put("result", new JsonObject().put("by", agent));
    return op(agent, "complete", args(agent, session).put("task_id", id).put("claim_token", token), invokeMs, Event.Type.OK,
        completedMs + 5, new JsonObject().put("task", done), null);
  }

  /** The final reads: the live locks, the tasks as given, the audit verification. */
  HistoryBuilder end(long atMs, List<JsonObject> liveLocks, List<JsonObject> tasks, boolean auditOk) {
    op(FinalState.PROCESS, "read_locks", new JsonObject(), atMs, Event.Type.OK, atMs + 1,
        new JsonObject().put("locks", new JsonArray(List.copyOf(liveLocks))), null);
    for (JsonObject task : tasks) {
      op(FinalState.PROCESS, "read_task", new JsonObject().put("task_id", task.getString("id")), atMs + 2, Event.Type.OK, atMs + 3,
          new JsonObject().put("task", task), null);
    }
    op(FinalState.PROCESS, "verify_audit", new JsonObject(), atMs + 4, Event.Type.OK, atMs + 5,
        new JsonObject().put("ok", auditOk).put("checked", 10), null);
    return this;
  }

  /** An audit row as the harness reads it at the end. */
  static JsonObject row(long id, String agent, String requestId, String action, String resource, String outcome) {
    return new JsonObject().put("id", id).put("agent", agent).put("session_id", null).put("request_id", requestId)
        .put("action", action).put("resource", resource).put("decision", outcome.equals("denied") ? "deny" : "allow")
        .put("outcome", outcome);
  }

  /** The audit rows read at the end (one page). */
  HistoryBuilder audit(long atMs, JsonObject... rows) {
    op(FinalState.PROCESS, "read_audit", new JsonObject(), atMs, Event.Type.OK, atMs + 1,
        new JsonObject().put("rows", new JsonArray(List.of((Object[]) rows))), null);
    return this;
  }

  HistoryBuilder end(long atMs) {
    return end(atMs, List.of(), List.of(), true);
  }

  List<Event> events() {
    return List.copyOf(events);
  }
}
