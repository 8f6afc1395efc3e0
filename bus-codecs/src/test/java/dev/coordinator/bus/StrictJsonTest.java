package dev.coordinator.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 11 items 5 and 18 (HARD-1): client JSON is read under bounds, and a name given twice is refused. */
@Tag("HARD-1")
class StrictJsonTest {
  private static Object decode(String text) {
    return StrictJson.decode(Buffer.buffer(text));
  }

  private static StrictJson.Refused refused(String text) {
    return assertThrows(StrictJson.Refused.class, () -> decode(text));
  }

  private static String arrays(int depth) {
    return "[".repeat(depth) + "1" + "]".repeat(depth);
  }

  @Test
  void readsWhatVertxReads() {
    String text = "{\"a\": [1, 2.5, \"x\", true, false, null, {\"b\": 12345678901, \"c\": 123456789012345678901234567890}],"
        + " \"d\": {}, \"e\": []}";
    assertEquals(new JsonObject(text), decode(text));
    assertEquals(new JsonArray("[1, {\"a\": null}]"), decode("[1, {\"a\": null}]"));
    assertEquals("x", decode("\"x\""));
    assertEquals(7, decode(" 7 "));
  }

  @Test
  void nestingIsBoundedByThePerValueLimitPlusTheEnvelope() {
    int deepest = JsonLimits.MAX_DEPTH + JsonLimits.ENVELOPE_DEPTH;
    assertEquals(new JsonArray(arrays(deepest)), decode(arrays(deepest)));
    assertEquals(List.of("0", "0", "0", "0", "0"), refused(arrays(deepest + 1)).path().subList(0, 5));
    StrictJson.Refused deep = refused("{\"task_type\": \"t\", \"input\": " + arrays(100_000) + "}");
    assertEquals("input", deep.path().get(0));
    assertEquals("t", ((JsonObject) deep.partial()).getString("task_type"), "what was read before stays readable");
  }

  @Test
  void aNameGivenTwiceIsRefusedWhereverItIs() {
    assertEquals(List.of("key"), refused("{\"key\": \"a\", \"key\": \"b\"}").path());
    assertEquals(List.of("input", "a"), refused("{\"input\": {\"a\": 1, \"a\": 1}}").path());
    assertEquals(List.of("input", "1", "x"), refused("{\"input\": [{}, {\"x\": 1, \"x\": 2}]}").path());
    assertEquals(new JsonObject("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}"), decode("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}"),
        "the same name in two objects is fine");
  }

  @Test
  void longNumbersAndNamesAreRefused() {
    assertEquals(List.of("n"), refused("{\"n\": " + "9".repeat(JsonLimits.MAX_NUMBER + 1) + "}").path());
    refused("{\"" + "k".repeat(JsonLimits.MAX_NAME + 1) + "\": 1}");
  }

  /** A number past a double's range would be read as Infinity and stored as the string "Infinity": refused instead. */
  @Test
  void numbersADoubleCannotHoldAreRefused() {
    assertEquals(List.of("n"), refused("{\"n\": 1e400}").path());
    assertEquals(List.of("input", "0"), refused("{\"input\": [-1.5e309]}").path());
    assertEquals(new JsonObject("{\"n\": 1.7976931348623157e308, \"m\": 1e-400}"),
        decode("{\"n\": 1.7976931348623157e308, \"m\": 1e-400}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "{", "{\"a\": }", "{} {}", "[1] 2", "nul", "{'a': 1}", "[1,]", "NaN"})
  void textThatIsNotOneJsonValueIsRefusedWithoutAPlace(String text) {
    assertEquals(List.of(), refused(text).path());
  }
}
