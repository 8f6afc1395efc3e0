package dev.coordinator.bus.task;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import java.time.Instant;
import java.util.List;

/** The queue verticle's vocabulary. */
public sealed interface TaskCommand extends Command {

  /** Handles every task command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R submit(Submit command);

    R claim(Claim command);

    R renew(Renew command);

    R complete(Complete command);

    R cancel(Cancel command);

    R get(Get command);

    R list(ListTasks command);

    R cancelWait(CancelWait command);
  }

  <R> R accept(Handler<R> handler);

  /** Queues a task; {@code dependsOn} must name existing tasks. */
  @Action(value = "submit_work", mutates = true)
  record Submit(String taskType, String description, Object input, int priority, List<String> dependsOn,
                int maxAttempts, Instant deadline) implements TaskCommand {
    public Submit {
      dependsOn = List.copyOf(dependsOn);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.submit(this);
    }

    @Override
    public String resource() {
      return taskType;
    }
  }

  /** Takes the most urgent claimable task (of the given types, if any) under a lease. */
  @Action(value = "get_work", mutates = true)
  record Claim(List<String> taskTypes, int leaseSeconds, int waitMs) implements TaskCommand {
    public Claim {
      taskTypes = List.copyOf(taskTypes);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.claim(this);
    }

    @Override
    public String resource() {
      return taskTypes.isEmpty() ? "*" : String.join(",", taskTypes);
    }
  }

  /** Extends the lease of a claim the caller holds; {@code leaseSeconds} null keeps the claim's length. */
  @Action(value = "renew_claim", mutates = true)
  record Renew(String taskId, String claimToken, Integer leaseSeconds) implements TaskCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.renew(this);
    }

    @Override
    public String resource() {
      return taskId;
    }
  }

  /** Ends a claim: {@code completed} with a result, or {@code failed} with an error. Write-once. */
  @Action(value = "complete_work", mutates = true)
  record Complete(String taskId, String claimToken, boolean success, Object result, String error) implements TaskCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.complete(this);
    }

    @Override
    public String resource() {
      return taskId;
    }
  }

  /** Cancels a pending or claimed task and, transitively, the tasks that depend on it. */
  @Action(value = "cancel_task", mutates = true)
  record Cancel(String taskId, String reason) implements TaskCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.cancel(this);
    }

    @Override
    public String resource() {
      return taskId;
    }
  }

  @Action(value = "get_task", mutates = false)
  record Get(String taskId) implements TaskCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.get(this);
    }

    @Override
    public String resource() {
      return taskId;
    }
  }

  /** Tasks newest first; null filters match everything. */
  @Action(value = "list_tasks", mutates = false)
  record ListTasks(String status, String taskType, int limit) implements TaskCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.list(this);
    }

    @Override
    public String resource() {
      return taskType == null ? "*" : taskType;
    }
  }

  /** Stops the caller's own claim that is still waiting for work (the request {@code requestId}). */
  @Action(value = "cancel_claim_wait", mutates = false)
  record CancelWait(String requestId) implements TaskCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.cancelWait(this);
    }

    @Override
    public String resource() {
      return "*";
    }
  }
}
