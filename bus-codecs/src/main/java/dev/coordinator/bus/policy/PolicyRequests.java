package dev.coordinator.bus.policy;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import io.vertx.core.json.JsonObject;

/** Builds policy commands from requests or tool arguments. */
public final class PolicyRequests {
  public static final int MAX_POLICY_TEXT = 256 * 1024;

  private PolicyRequests() {
  }

  public static PolicyCommand.Check check(JsonObject body) {
    return JsonArgs.read(body, args -> new PolicyCommand.Check(args.requiredString("action", 64),
        args.optionalString("resource", 512)));
  }

  public static PolicyCommand.CheckGuardrails checkGuardrails(JsonObject body) {
    return JsonArgs.read(body, args -> {
      java.util.List<String> paths = args.optionalStringList("file_paths", 1_000, 4_096);
      return new PolicyCommand.CheckGuardrails(args.requiredString("text", MAX_POLICY_TEXT * 4),
          paths == null ? java.util.List.of() : paths);
    });
  }

  public static PolicyCommand.Validate validate(JsonObject body) {
    return JsonArgs.read(body, args -> {
      String text = args.requiredString("policy_text", MAX_POLICY_TEXT);
      if (text.isBlank()) {
        throw CoordinatorException.invalid("policy_text", "policy_text must not be blank");
      }
      return new PolicyCommand.Validate(text);
    });
  }
}
