package dev.coordinator.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/coordinator status | locks | tasks | audit verify} (api.md §9): a running service seen
 * through its REST API with an operator's key. Tables for people, {@code --json} for scripts; the
 * exit code is the same either way ({@link ExitCodes}).
 */
final class OperatorCommands {
  /** The most tasks one list request returns (api.md §5); status counts stop there. */
  static final int LIST_LIMIT = 500;
  static final List<String> TASK_STATUSES = List.of("pending", "claimed", "completed", "failed", "cancelled");

  private OperatorCommands() {
  }

  /** What every operator command shares: the service, the key (added by {@link Cli}), {@code --json}. */
  abstract static class OperatorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;
    @Option(names = "--json", description = "print the service's JSON instead of a table")
    boolean json;

    @Override
    public final Integer call() {
      return run(Remote.of(spec), spec.commandLine().getOut());
    }

    abstract int run(Remote remote, PrintWriter out);
  }

  @Command(name = "status", description = {"Health of the service and counts of locks, tasks and active sessions.",
      "Shows the node, cluster members, database, locks held, tasks by status and agents with an active",
      "session (counts stop at " + LIST_LIMIT + "). Exit 1 when the service is degraded."})
  static final class Status extends OperatorCommand {
    @Override
    int run(Remote remote, PrintWriter out) {
      JsonObject health = remote.health();
      boolean up = "ok".equals(health.getString("status"));
      JsonObject status = new JsonObject().put("health", health);
      if (up) {
        JsonObject tasks = new JsonObject();
        TASK_STATUSES.forEach(state -> tasks.put(state,
            remote.get("/v1/tasks?status=" + state + "&limit=" + LIST_LIMIT).getJsonArray("tasks").size()));
        status.put("locks", remote.get("/v1/locks").getJsonArray("locks").size())
            .put("tasks", tasks)
            .put("active_agents", remote.get("/v1/agents?status=active").getJsonArray("agents").size())
            .put("count_limit", LIST_LIMIT);
      }
      if (json) {
        out.println(status.encode());
      } else {
        print(status, out);
      }
      return up ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static void print(JsonObject status, PrintWriter out) {
      JsonObject health = status.getJsonObject("health");
      JsonObject cluster = health.getJsonObject("cluster");
      Table table = new Table("service", health.getString("status"))
          .row("node", health.getString("node"))
          .row("cluster", cluster == null ? "single node" : cluster.getInteger("members") + " members")
          .row("database", health.getString("db"));
      if (status.containsKey("locks")) {
        JsonObject tasks = status.getJsonObject("tasks");
        table.row("locks", status.getInteger("locks") + " held")
            .row("tasks", TASK_STATUSES.stream().map(state -> state + " " + count(tasks.getInteger(state)))
                .collect(Collectors.joining(", ")))
            .row("sessions", status.getInteger("active_agents") + " agents active");
      }
      table.print(out);
    }

    private static String count(int listed) {
      return listed >= LIST_LIMIT ? LIST_LIMIT + "+" : String.valueOf(listed);
    }
  }

  @Command(name = "locks", description = "The live locks: key, holder, session, fencing token, time left.")
  static final class Locks extends OperatorCommand {
    @Override
    int run(Remote remote, PrintWriter out) {
      JsonObject answer = remote.get("/v1/locks");
      if (json) {
        out.println(answer.encode());
        return ExitCodes.OK;
      }
      Table table = new Table("KEY", "HOLDER", "SESSION", "TOKEN", "EXPIRES IN");
      Instant now = Instant.now();
      answer.getJsonArray("locks").stream().map(JsonObject.class::cast).forEach(lock -> table.row(
          lock.getString("key"), lock.getString("holder"), lock.getString("session_id"), lock.getValue("fencing_token"),
          left(now, lock.getString("expires_at"))));
      table.print(out);
      return ExitCodes.OK;
    }

    private static String left(Instant now, String expiresAt) {
      Duration left = Duration.between(now, Instant.parse(expiresAt));
      if (left.isNegative()) {
        return "expired";
      }
      return left.toHours() > 0
          ? String.format("%dh %02dm", left.toHours(), left.toMinutesPart())
          : String.format("%dm %02ds", left.toMinutes(), left.toSecondsPart());
    }
  }

  @Command(name = "tasks", description = "Tasks in the queue, highest priority first as the service lists them.")
  static final class Tasks extends OperatorCommand {
    @Option(names = "--status", paramLabel = "STATUS", description = "only this status: pending, claimed, completed, failed, cancelled")
    String status;
    @Option(names = "--type", paramLabel = "TYPE", description = "only this task type")
    String type;
    @Option(names = "--limit", paramLabel = "N", description = "at most N tasks (1..500; the service's default when absent)")
    Integer limit;

    @Override
    int run(Remote remote, PrintWriter out) {
      StringBuilder query = new StringBuilder();
      parameter(query, "status", status);
      parameter(query, "task_type", type);
      parameter(query, "limit", limit == null ? null : limit.toString());
      JsonObject answer = remote.get("/v1/tasks" + query);
      if (json) {
        out.println(answer.encode());
        return ExitCodes.OK;
      }
      Table table = new Table("ID", "TYPE", "STATUS", "PRIORITY", "CLAIMED BY", "ATTEMPTS");
      JsonArray tasks = answer.getJsonArray("tasks");
      tasks.stream().map(JsonObject.class::cast).forEach(task -> table.row(task.getString("id"),
          task.getString("task_type"), task.getString("status"), task.getValue("priority"),
          task.getString("claimed_by"), task.getValue("attempt") + "/" + task.getValue("max_attempts")));
      table.print(out);
      return ExitCodes.OK;
    }

    private static void parameter(StringBuilder query, String name, String value) {
      if (value != null) {
        query.append(query.isEmpty() ? '?' : '&').append(name).append('=')
            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }

  @Command(name = "audit", description = "The audit trail.", subcommands = AuditVerify.class)
  static final class Audit implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpFlag help;

    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getErr());
      return ExitCodes.USAGE;
    }
  }

  @Command(name = "verify", description = {"Check the audit trail's hash chains (AUD-2; needs a key of trust 3 or more).",
      "Exit 0 when intact, 1 when an entry or link does not check out."})
  static final class AuditVerify extends OperatorCommand {
    @Override
    int run(Remote remote, PrintWriter out) {
      JsonObject answer = remote.get("/v1/audit/verify");
      boolean ok = answer.getBoolean("ok");
      if (json) {
        out.println(answer.encode());
      } else if (ok) {
        out.printf("audit trail intact: %d entries checked%n", answer.getLong("checked"));
      } else {
        out.printf("audit trail BROKEN: entry %s (or its link to the one before) does not match its hash chain;"
            + " %d entries checked%n", answer.getValue("first_bad_id"), answer.getLong("checked"));
      }
      return ok ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }
}
