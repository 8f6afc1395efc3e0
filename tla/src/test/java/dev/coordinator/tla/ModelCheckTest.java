package dev.coordinator.tla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * TLA-1: runs TLC on every model of {@code manifest.json} marked {@code "ci": true}, each in a
 * child JVM (TLC keeps global state and calls {@code System.exit}), and holds the outcome to the
 * manifest: {@code pass}, or the name of the invariant the model must violate. A passing model
 * must also find exactly the recorded number of distinct states, so a change of the spec that
 * changes what is explored shows up here and the manifest is updated on purpose.
 * {@code -Dtlc.models=A.cfg,B.cfg} runs just those (any ci flag), for spec authors.
 */
@Tag("TLA-1")
class ModelCheckTest {
  private static final Path DIR = Path.of("").toAbsolutePath();

  @TestFactory
  Stream<DynamicTest> everyModelOfTheManifestHasItsExpectedOutcome() throws IOException {
    JsonNode manifest = new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile());
    Set<String> only = Stream.of(System.getProperty("tlc.models", "").split(","))
        .map(String::strip).filter(name -> !name.isEmpty()).collect(Collectors.toSet());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode model : manifest.get("models")) {
      if (only.isEmpty() ? model.path("ci").asBoolean(false) : only.contains(model.get("cfg").asText())) {
        tests.add(DynamicTest.dynamicTest(model.get("cfg").asText(), () -> check(model)));
      }
    }
    assertTrue(only.isEmpty() ? tests.size() >= 2 : tests.size() == only.size(), "the manifest lacks models asked for");
    return tests.stream();
  }

  private static void check(JsonNode model) throws Exception {
    String cfg = model.get("cfg").asText();
    Tlc.Run run = Tlc.run(DIR, model.get("module").asText(), cfg, model.path("timeoutSeconds").asInt(600));
    String expected = model.get("expect").asText();
    assertEquals(expected, run.outcome(), () -> cfg + ": TLC's outcome differs from the manifest; its output:\n" + run.output());
    if (expected.equals("pass") && model.has("distinctStates")) {
      assertEquals(model.get("distinctStates").asLong(), run.distinctStates(),
          () -> cfg + ": the model's state space changed; update manifest.json if that was meant");
    }
  }
}
