package dev.coordinator.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Strict reading of request bodies: types, ranges, required and unknown fields. */
class JsonArgsTest {

  private static String refusedField(JsonObject json, Function<JsonArgs, Object> reader) {
    CoordinatorException refused = assertThrows(CoordinatorException.class, () -> JsonArgs.read(json, reader));
    assertEquals(ErrorCode.VALIDATION_FAILED, refused.failure().code());
    return refused.failure().details().getString("field");
  }

  @Test
  void readsWhatIsThere() {
    assertEquals("x", JsonArgs.read(new JsonObject().put("s", "x"), args -> args.requiredString("s", 10)));
    assertEquals(5, (int) JsonArgs.read(new JsonObject().put("n", 5), args -> args.intInRange("n", 1, 10, 3)));
    assertEquals(3, (int) JsonArgs.read(new JsonObject(), args -> args.intInRange("n", 1, 10, 3)));
    assertNull(JsonArgs.read(new JsonObject(), args -> args.optionalLong("n", 1, 10)));
    assertEquals(List.of("a", "b"), JsonArgs.read(new JsonObject().put("l", new JsonArray(List.of("a", "b"))),
        args -> args.optionalStringList("l", 5, 5)));
    assertNull(JsonArgs.read(null, args -> args.optionalString("s", 5)));
  }

  @Test
  void refusesWrongTypesRangesAndMissingFields() {
    assertEquals("s", refusedField(new JsonObject(), args -> args.requiredString("s", 10)));
    assertEquals("s", refusedField(new JsonObject().put("s", 1), args -> args.requiredString("s", 10)));
    assertEquals("s", refusedField(new JsonObject().put("s", "toolong"), args -> args.requiredString("s", 3)));
    assertEquals("n", refusedField(new JsonObject().put("n", "5"), args -> args.optionalLong("n", 1, 10)));
    assertEquals("n", refusedField(new JsonObject().put("n", 1.5), args -> args.optionalLong("n", 1, 10)));
    assertEquals("n", refusedField(new JsonObject().put("n", 11), args -> args.optionalLong("n", 1, 10)));
    assertEquals("n", refusedField(new JsonObject().put("n", 0), args -> args.optionalLong("n", 1, 10)));
    assertEquals("n", refusedField(new JsonObject(), args -> args.requiredLong("n", 1, 10)));
    assertEquals("l", refusedField(new JsonObject().put("l", "a"), args -> args.optionalStringList("l", 5, 5)));
    assertEquals("l", refusedField(new JsonObject().put("l", new JsonArray(List.of("a", 1))), args -> args.optionalStringList("l", 5, 5)));
    assertEquals("l", refusedField(new JsonObject().put("l", new JsonArray(List.of("a", "b", "c"))), args -> args.optionalStringList("l", 2, 5)));
  }

  @Test
  void refusesFieldsNobodyAskedFor() {
    assertEquals("typo", refusedField(new JsonObject().put("s", "x").put("typo", 1), args -> args.requiredString("s", 10)));
  }
}
