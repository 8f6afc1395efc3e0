package dev.coordinator.policy;

import dev.coordinator.bus.Command;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.task.TaskCommand;
import io.vertx.core.json.Json;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The text of a command that guardrails read: a task's description and input, a result, an explicit check. */
public final class GuardedText {
  private GuardedText() {
  }

  public static Optional<String> of(Command command) {
    if (command instanceof TaskCommand.Submit submit) {
      return Optional.of(join(submit.description(), json(submit.input())));
    }
    if (command instanceof TaskCommand.Complete complete) {
      return Optional.of(join(json(complete.result()), complete.error()));
    }
    if (command instanceof PolicyCommand.CheckGuardrails check) {
      return Optional.of(join(check.text(), String.join("\n", check.filePaths())));
    }
    return Optional.empty();
  }

  private static String json(Object value) {
    return value == null ? null : value instanceof String text ? text : Json.encode(value);
  }

  private static String join(String... parts) {
    return Stream.of(parts).filter(Objects::nonNull).collect(Collectors.joining("\n"));
  }
}
