package dev.coordinator.bus.handoff;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import java.util.List;

/** The handoff verticle's vocabulary: notes an agent leaves for whoever continues its work. */
public sealed interface HandoffCommand extends Command {

  /** Handles every handoff command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R write(Write command);

    R read(Read command);
  }

  <R> R accept(Handler<R> handler);

  @Action(value = "write_handoff", mutates = true)
  record Write(String summary, List<String> completedWork, List<String> inProgress, List<String> decisions,
               List<String> nextSteps, List<String> relevantFiles) implements HandoffCommand {
    public Write {
      completedWork = List.copyOf(completedWork);
      inProgress = List.copyOf(inProgress);
      decisions = List.copyOf(decisions);
      nextSteps = List.copyOf(nextSteps);
      relevantFiles = List.copyOf(relevantFiles);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.write(this);
    }

    @Override
    public String resource() {
      return "handoff";
    }
  }

  /** Handoffs of {@code agent} (null: the caller's own), newest first. */
  @Action(value = "read_handoff", mutates = false)
  record Read(String agent, int limit) implements HandoffCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.read(this);
    }

    @Override
    public String resource() {
      return agent == null ? "handoff" : agent;
    }
  }
}
