package dev.coordinator.api;

import static java.util.Map.entry;

import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.audit.AuditReplies;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.lock.LockReplies;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.schema.RecordSchema;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.bus.task.TaskReplies;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schema of each command's successful reply, generated from the record that produces it
 * (or, for bodies the database renders, from {@link DocumentShapes}). One source for
 * {@code /openapi.json} and the MCP tools' {@code outputSchema}.
 */
public final class ReplySchemas {
  private static final Map<Class<?>, Class<?>> REPLIES = Map.ofEntries(
      entry(LockCommand.Acquire.class, LockReplies.Acquired.class),
      entry(LockCommand.Release.class, LockReplies.Released.class),
      entry(LockCommand.Renew.class, LockReplies.Renewed.class),
      entry(LockCommand.Check.class, LockReplies.Locks.class),
      entry(LockCommand.Validate.class, LockReplies.Validation.class),
      entry(TaskCommand.Submit.class, TaskReplies.One.class),
      entry(TaskCommand.Claim.class, TaskReplies.One.class),
      entry(TaskCommand.Complete.class, TaskReplies.One.class),
      entry(TaskCommand.Renew.class, TaskReplies.One.class),
      entry(TaskCommand.Cancel.class, TaskReplies.One.class),
      entry(TaskCommand.Get.class, TaskReplies.One.class),
      entry(TaskCommand.ListTasks.class, TaskReplies.Many.class),
      entry(SessionCommand.Register.class, DocumentShapes.OneSession.class),
      entry(SessionCommand.Heartbeat.class, DocumentShapes.OneSession.class),
      entry(SessionCommand.End.class, DocumentShapes.SessionEnded.class),
      entry(SessionCommand.Discover.class, DocumentShapes.Agents.class),
      entry(HandoffCommand.Write.class, DocumentShapes.OneHandoff.class),
      entry(HandoffCommand.Read.class, DocumentShapes.Handoffs.class),
      entry(MemoryCommand.Remember.class, DocumentShapes.Remembered.class),
      entry(MemoryCommand.Recall.class, DocumentShapes.Memories.class),
      entry(PolicyCommand.Check.class, DocumentShapes.PolicyCheck.class),
      entry(PolicyCommand.Validate.class, DocumentShapes.PolicyValidation.class),
      entry(PolicyCommand.Reload.class, DocumentShapes.PolicyReload.class),
      entry(PolicyCommand.CheckGuardrails.class, DocumentShapes.GuardrailCheck.class),
      entry(PolicyCommand.Profile.class, DocumentShapes.Profile.class),
      entry(AuditCommand.Query.class, AuditReplies.Entries.class),
      entry(AuditCommand.Verify.class, AuditReplies.Verification.class));

  /** Reflection is slow on a cold JVM and every HTTP verticle's tools need the same schemas: made once. */
  private static final Map<Class<?>, JsonObject> MADE = new ConcurrentHashMap<>();

  private ReplySchemas() {
  }

  /** The schema of what {@code command} answers on success (a copy, the caller's to change). */
  public static JsonObject of(Class<?> command) {
    return MADE.computeIfAbsent(command, type -> {
      Class<?> reply = REPLIES.get(type);
      if (reply == null) {
        throw new IllegalArgumentException("no reply schema for " + type.getName());
      }
      return RecordSchema.of(reply);
    }).copy();
  }
}
