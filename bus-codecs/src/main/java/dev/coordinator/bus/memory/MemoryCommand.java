package dev.coordinator.bus.memory;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;
import java.util.List;

/** The memory verticle's vocabulary: lessons any agent can recall. */
public sealed interface MemoryCommand extends Command {

  /** Handles every memory command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R remember(Remember command);

    R recall(Recall command);
  }

  <R> R accept(Handler<R> handler);

  @Action(value = "remember", mutates = true)
  record Remember(String eventType, String summary, String details, String outcome, List<String> lessons,
                  List<String> tags) implements MemoryCommand {
    public Remember {
      lessons = List.copyOf(lessons);
      tags = List.copyOf(tags);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.remember(this);
    }

    @Override
    public String resource() {
      return eventType;
    }
  }

  /** Memories matching any of {@code tags} and the event type (empty / null: all), most relevant first. */
  @Action(value = "recall", mutates = false)
  record Recall(List<String> tags, String eventType, int limit) implements MemoryCommand {
    public Recall {
      tags = List.copyOf(tags);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.recall(this);
    }

    @Override
    public String resource() {
      return eventType == null ? "*" : eventType;
    }
  }
}
