package dev.coordinator.bus.lock;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import java.util.List;

/** The lock verticle's vocabulary. */
public sealed interface LockCommand extends Command {

  String key();

  /** Handles every lock command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R acquire(Acquire command);

    R release(Release command);

    R renew(Renew command);

    R check(Check command);

    R validate(Validate command);

    R cancelWait(CancelWait command);
  }

  <R> R accept(Handler<R> handler);

  @Override
  default String resource() {
    return key();
  }

  /** Takes a free or expired lock, or refreshes one the caller holds (same fencing token). */
  @Action(value = "acquire_lock", mutates = true)
  record Acquire(String key, int ttlSeconds, String reason, int waitMs) implements LockCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.acquire(this);
    }
  }

  /** Gives up a held lock; with a fencing token, only if it is still the current one. */
  @Action(value = "release_lock", mutates = true)
  record Release(String key, Long fencingToken) implements LockCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.release(this);
    }
  }

  /** Extends a held lock; {@code ttlSeconds} null keeps the lock's own ttl. */
  @Action(value = "renew_lock", mutates = true)
  record Renew(String key, long fencingToken, Integer ttlSeconds) implements LockCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.renew(this);
    }
  }

  /** Lists live locks: those named, or all when {@code keys} is empty. */
  @Action(value = "check_locks", mutates = false)
  record Check(List<String> keys) implements LockCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.check(this);
    }

    public Check {
      keys = List.copyOf(keys);
    }

    @Override
    public String key() {
      return keys.isEmpty() ? "*" : String.join(",", keys);
    }
  }

  /** Says whether a fencing token is the current one of a live lock. */
  @Action(value = "validate_fencing_token", mutates = false)
  record Validate(String key, long fencingToken) implements LockCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.validate(this);
    }
  }

  /**
   * Stops the caller's own acquire that is still waiting in line (the request {@code requestId}),
   * as when an MCP client cancels it or its socket closes. An attempt already under way finishes.
   */
  @Action(value = "cancel_lock_wait", mutates = false)
  record CancelWait(String requestId) implements LockCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.cancelWait(this);
    }

    @Override
    public String key() {
      return "*";
    }
  }
}
