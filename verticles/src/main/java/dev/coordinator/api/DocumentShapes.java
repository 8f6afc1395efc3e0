package dev.coordinator.api;

import dev.coordinator.bus.schema.Nullable;
import dev.coordinator.policy.Guardrails;
import java.time.Instant;
import java.util.List;

/**
 * The shapes of the replies the database renders itself ({@code jsonb_build_object} in the
 * session, handoff and memory SQL) or the policy verticle builds as plain JSON. No Java record
 * produces these bodies, so these records describe them for {@link ReplySchemas}; tests validate
 * real replies against the schemas, so a field the SQL renames turns them red.
 */
final class DocumentShapes {
  private DocumentShapes() {
  }

  record Session(String id, String agent, String agentType, List<String> capabilities, @Nullable String currentTask,
                 String status, Instant startedAt, Instant lastHeartbeat, @Nullable Instant endedAt) {
  }

  record OneSession(Session session) {
  }

  record SessionEnded(int releasedLocks, int requeuedTasks) {
  }

  record Agent(String id, String type, int trust, String status, @Nullable String sessionId, List<String> capabilities,
               @Nullable String currentTask, @Nullable Instant lastHeartbeat) {
  }

  record Agents(List<Agent> agents) {
  }

  record Handoff(String id, String agent, String agentType, @Nullable String sessionId, String summary,
                 List<String> completedWork, List<String> inProgress, List<String> decisions, List<String> nextSteps,
                 List<String> relevantFiles, Instant createdAt) {
  }

  record OneHandoff(Handoff handoff) {
  }

  record Handoffs(List<Handoff> handoffs) {
  }

  record Memory(String id, String agent, String eventType, String summary, @Nullable String details,
                @Nullable String outcome, List<String> lessons, List<String> tags, Instant createdAt) {
  }

  /** {@code action} is {@code created} or {@code deduplicated}. */
  record Remembered(Memory memory, String action) {
  }

  /** A recalled memory also says how well it matched: (1 + tags asked for that it carries), halved each week of age. */
  record RecalledMemory(String id, String agent, String eventType, String summary, @Nullable String details,
                        @Nullable String outcome, List<String> lessons, List<String> tags, Instant createdAt,
                        double relevance) {
  }

  record Memories(List<RecalledMemory> memories) {
  }

  record PolicyCheck(boolean allowed, String reason, String engine, List<String> policies) {
  }

  record PolicyValidation(boolean valid, List<String> errors) {
  }

  record PolicyReload(boolean reloaded, List<String> policies) {
  }

  record GuardrailCheck(boolean safe, List<Guardrails.Violation> violations) {
  }

  record ProfileAgent(String id, String type, int trust) {
  }

  record Profile(ProfileAgent agent, List<String> allowedActions) {
  }
}
