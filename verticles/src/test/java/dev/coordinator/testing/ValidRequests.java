package dev.coordinator.testing;

import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskCommand;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A valid request for every mutation, over REST and as an MCP tool call, aimed at things a holder
 * owns (a lock, a claimed task, a pending task, a session): valid enough that the entry point
 * passes it on and the gate decides it, so a denial test reaches the gate instead of stopping
 * at VALIDATION_FAILED.
 */
public final class ValidRequests {
  private ValidRequests() {
  }

  /**
   * What the requests point at, made by {@link #fixture} for {@code holder}; {@code text} is the
   * free text the guardrails read (a submitted task's description, a completion's result).
   */
  public record Fixture(String key, long fencingToken, String claimedTask, String claimToken, String pendingTask,
                        String session, String text) {
    /** The same requests, carrying {@code other} as their guarded text. */
    public Fixture withText(String other) {
      return new Fixture(key, fencingToken, claimedTask, claimToken, pendingTask, session, other);
    }
  }

  /** A REST request: method, path, body (null for none). */
  public record Rest(String method, String path, JsonObject body) {
    Rest(String path, JsonObject body) {
      this("POST", path, body);
    }

    public Http.Response send(Http http, String key) {
      return http.send(method, path, key, body == null ? null : body.encode());
    }
  }

  /** Holds a lock on {@code key}, claims one task and leaves another pending, and opens a session, as {@code holderKey}. */
  public static Fixture fixture(Http http, String holderKey, String key) {
    return fixture(http, holderKey, key, null);
  }

  /** The same, with the lock taken in the holder's session {@code lockSession} (an MCP connection's, say), if not null. */
  public static Fixture fixture(Http http, String holderKey, String key, String lockSession) {
    String body = new JsonObject().put("key", key).put("ttl_seconds", 3600).encode();
    Http.Response acquired = lockSession == null ? http.send("POST", "/v1/locks/acquire", holderKey, body)
        : http.send("POST", "/v1/locks/acquire", holderKey, body, "Coordinator-Session", lockSession);
    long token = acquired.json().getJsonObject("lock").getLong("fencing_token");
    String type = "fixture-" + Math.abs(key.hashCode());
    http.post("/v1/tasks", holderKey, new JsonObject().put("task_type", type).put("description", "claimed"));
    JsonObject claimed = http.post("/v1/tasks/claim", holderKey, new JsonObject().put("task_types", new JsonArray().add(type)))
        .json().getJsonObject("task");
    String pending = http.post("/v1/tasks", holderKey, new JsonObject().put("task_type", type).put("description", "pending"))
        .json().getJsonObject("task").getString("id");
    String session = http.post("/v1/sessions", holderKey, new JsonObject()).json().getJsonObject("session").getString("id");
    return new Fixture(key, token, claimed.getString("id"), claimed.getString("claim_token"), pending, session, "x");
  }

  /** A REST request for each mutation command. */
  public static Map<Class<?>, Rest> rest(Fixture f) {
    String task = "/v1/tasks/" + f.claimedTask();
    JsonObject claim = new JsonObject().put("claim_token", f.claimToken());
    JsonObject result = new JsonObject().put("note", f.text());
    String session = "/v1/sessions/" + f.session();
    return Map.ofEntries(
        Map.entry(LockCommand.Acquire.class, new Rest("/v1/locks/acquire", new JsonObject().put("key", f.key()))),
        Map.entry(LockCommand.Release.class, new Rest("/v1/locks/release", new JsonObject().put("key", f.key()))),
        Map.entry(LockCommand.Renew.class,
            new Rest("/v1/locks/renew", new JsonObject().put("key", f.key()).put("fencing_token", f.fencingToken()))),
        Map.entry(TaskCommand.Submit.class,
            new Rest("/v1/tasks", new JsonObject().put("task_type", "build").put("description", f.text()))),
        Map.entry(TaskCommand.Claim.class, new Rest("/v1/tasks/claim", new JsonObject())),
        Map.entry(TaskCommand.Renew.class, new Rest(task + "/renew", claim)),
        Map.entry(TaskCommand.Complete.class,
            new Rest(task + "/complete", claim.copy().put("success", true).put("result", result))),
        Map.entry(TaskCommand.Cancel.class,
            new Rest("/v1/tasks/" + f.pendingTask() + "/cancel", new JsonObject().put("reason", "no"))),
        Map.entry(SessionCommand.Register.class, new Rest("/v1/sessions", new JsonObject())),
        Map.entry(SessionCommand.Heartbeat.class, new Rest(session + "/heartbeat", new JsonObject())),
        Map.entry(SessionCommand.End.class, new Rest("DELETE", session, null)),
        Map.entry(HandoffCommand.Write.class, new Rest("/v1/handoffs", new JsonObject().put("summary", "s"))),
        Map.entry(PolicyCommand.Reload.class, new Rest("/v1/policy/reload", new JsonObject())),
        Map.entry(MemoryCommand.Remember.class,
            new Rest("/v1/memories", new JsonObject().put("event_type", "e").put("summary", "s"))));
  }

  /** The arguments of each mutating MCP tool, by tool name (the action's name). */
  public static Map<String, JsonObject> tools(Fixture f) {
    JsonObject claim = new JsonObject().put("task_id", f.claimedTask()).put("claim_token", f.claimToken());
    return Map.ofEntries(
        // Another key: an MCP connection works in a session of its own, and the fixture's lock may be in another.
        Map.entry("acquire_lock", new JsonObject().put("key", f.key() + ".new")),
        Map.entry("release_lock", new JsonObject().put("key", f.key())),
        Map.entry("renew_lock", new JsonObject().put("key", f.key()).put("fencing_token", f.fencingToken())),
        Map.entry("submit_work", new JsonObject().put("task_type", "build").put("description", f.text())),
        Map.entry("get_work", new JsonObject()),
        Map.entry("renew_claim", claim),
        Map.entry("complete_work", claim.copy().put("success", true).put("result", new JsonObject().put("note", f.text()))),
        Map.entry("cancel_task", new JsonObject().put("task_id", f.pendingTask()).put("reason", "no")),
        Map.entry("write_handoff", new JsonObject().put("summary", "s")),
        Map.entry("remember", new JsonObject().put("event_type", "e").put("summary", "s")),
        Map.entry("heartbeat", new JsonObject().put("current_task", "t")));
  }
}
