package dev.coordinator.bus.lock;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.JsonArgs;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Builds lock commands from request bodies (REST) or tool arguments (MCP): one parser for both. */
public final class LockRequests {
  public static final int MIN_TTL = 1;
  public static final int MAX_TTL = 28_800;
  public static final int DEFAULT_TTL = 1_800;
  public static final int MAX_WAIT_MS = 60_000;
  public static final int MAX_REASON = 1_000;
  public static final int MAX_CHECK_KEYS = 500;

  private LockRequests() {
  }

  public static LockCommand.Acquire acquire(JsonObject body) {
    return JsonArgs.read(body, args -> new LockCommand.Acquire(key(args),
        args.intInRange("ttl_seconds", MIN_TTL, MAX_TTL, DEFAULT_TTL),
        args.optionalString("reason", MAX_REASON),
        args.intInRange("wait_ms", 0, MAX_WAIT_MS, 0)));
  }

  public static LockCommand.Release release(JsonObject body) {
    return JsonArgs.read(body, args -> new LockCommand.Release(key(args),
        args.optionalLong("fencing_token", 1, Long.MAX_VALUE)));
  }

  public static LockCommand.Renew renew(JsonObject body) {
    return JsonArgs.read(body, args -> new LockCommand.Renew(key(args),
        args.requiredLong("fencing_token", 1, Long.MAX_VALUE),
        args.optionalInt("ttl_seconds", MIN_TTL, MAX_TTL)));
  }

  public static LockCommand.Validate validate(JsonObject body) {
    return JsonArgs.read(body, args -> new LockCommand.Validate(key(args),
        args.requiredLong("fencing_token", 1, Long.MAX_VALUE)));
  }

  /** From a list of keys (REST query parameters, or the MCP {@code keys} argument). */
  public static LockCommand.Check check(List<String> keys) {
    if (keys.size() > MAX_CHECK_KEYS) {
      throw CoordinatorException.invalid("key", "at most " + MAX_CHECK_KEYS + " keys per check");
    }
    return new LockCommand.Check(keys.stream().map(key -> LockKey.validate("key", key)).distinct().toList());
  }

  private static String key(JsonArgs args) {
    return LockKey.validate("key", args.requiredString("key", LockKey.MAX_LENGTH + 1));
  }
}
