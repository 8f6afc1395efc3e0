package dev.coordinator.bus.session;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import java.util.List;

/** The session verticle's vocabulary: presence, heartbeats, discovery. */
public sealed interface SessionCommand extends Command {

  /** Handles every session command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R register(Register command);

    R heartbeat(Heartbeat command);

    R end(End command);

    R discover(Discover command);
  }

  <R> R accept(Handler<R> handler);

  @Action(value = "register_session", mutates = true)
  record Register(List<String> capabilities, String currentTask) implements SessionCommand {
    public Register {
      capabilities = List.copyOf(capabilities);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.register(this);
    }

    @Override
    public String resource() {
      return "session";
    }
  }

  /**
   * Keeps a session alive; a non-null {@code currentTask} replaces the session's. An
   * {@code implicit} one is the keep-alive an MCP connection sends for its own session: it only
   * moves {@code last_heartbeat} and writes no audit row (docs/running.md, "Audit trail").
   */
  @Action(value = "heartbeat", mutates = true)
  record Heartbeat(String sessionId, String currentTask, boolean implicit) implements SessionCommand {
    /** A heartbeat the agent asked for: audited like every mutation. */
    public Heartbeat(String sessionId, String currentTask) {
      this(sessionId, currentTask, false);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.heartbeat(this);
    }

    @Override
    public String resource() {
      return sessionId;
    }
  }

  /** Ends a session as reaping would: its locks are released and its claimed tasks requeued. */
  @Action(value = "end_session", mutates = true)
  record End(String sessionId) implements SessionCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.end(this);
    }

    @Override
    public String resource() {
      return sessionId;
    }
  }

  /** Agents and their presence; null filters match everything. */
  @Action(value = "discover_agents", mutates = false)
  record Discover(String capability, String status) implements SessionCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.discover(this);
    }

    @Override
    public String resource() {
      return "*";
    }
  }
}
