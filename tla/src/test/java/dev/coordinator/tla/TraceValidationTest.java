package dev.coordinator.tla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * TLA-2: histories of grants and releases the service really made, replayed through
 * {@code LockTrace.tla}, where the model's own LOCK-1 and LOCK-2 invariants judge them. Checked:
 * the histories committed under {@code traces/} with the outcome the manifest expects (one
 * recorded from a service broken on purpose, which must be rejected), and every history the
 * verticles' race tests wrote in this build ({@code ../verticles/target/histories}), which must
 * pass.
 */
@Tag("TLA-2")
class TraceValidationTest {
  private static final Path DIR = Path.of("").toAbsolutePath();
  private static final Path FRESH = DIR.resolveSibling("verticles").resolve("target").resolve("histories");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> everyRecordedHistoryHasItsExpectedOutcome() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode trace : JSON.readTree(DIR.resolve("manifest.json").toFile()).path("traces")) {
      Path file = DIR.resolve(trace.get("file").asText());
      tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file, trace.get("expect").asText())));
    }
    assertFalse(tests.isEmpty(), "manifest.json lists no traces");
    if (Files.isDirectory(FRESH)) {
      try (Stream<Path> fresh = Files.list(FRESH)) {
        fresh.filter(file -> file.toString().endsWith(".jsonl")).sorted().forEach(file ->
            tests.add(DynamicTest.dynamicTest("this build's " + file.getFileName(), () -> check(file, "pass"))));
      }
    }
    return tests.stream();
  }

  private static void check(Path history, String expected) throws Exception {
    Path dir = DIR.resolve("target").resolve("traces").resolve(history.getFileName().toString().replace(".jsonl", ""));
    Files.createDirectories(dir);
    for (String spec : List.of("Coordinator.tla", "LockTrace.tla")) {
      Files.copy(DIR.resolve(spec), dir.resolve(spec), StandardCopyOption.REPLACE_EXISTING);
    }
    Files.writeString(dir.resolve("LockTraceRun.tla"), module(events(history)), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("LockTraceRun.cfg"), """
        CONSTANT Events <- TraceEvents
        SPECIFICATION Spec
        INVARIANTS
            LOCK1_OneLiveHolder
            LOCK2_TokensRise
        CHECK_DEADLOCK FALSE
        """, StandardCharsets.UTF_8);
    Tlc.Run run = Tlc.run(dir, "LockTraceRun.tla", "LockTraceRun.cfg", 300);
    assertEquals(expected, run.outcome(), () -> history + ": TLC's verdict differs; its output:\n" + run.output());
  }

  /**
   * The history's events in the database's time order (a release before a grant at the same
   * instant: the order the service's statements imply, since a grant waits for the release).
   */
  static List<JsonNode> events(Path history) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(history, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        events.add(JSON.readTree(line));
      }
    }
    events.sort(Comparator.<JsonNode>comparingLong(e -> e.get("at").asLong())
        .thenComparing(e -> e.get("kind").asText().equals("grant")));
    return events;
  }

  private static String module(List<JsonNode> events) {
    String records = events.stream().map(TraceValidationTest::record).collect(Collectors.joining(",\n    "));
    return """
        ---- MODULE LockTraceRun ----
        EXTENDS LockTrace
        TraceEvents == <<
            %s
        >>
        ====
        """.formatted(records);
  }

  private static String record(JsonNode e) {
    String common = "kind |-> %s, s |-> %s, k |-> %s, tok |-> %d, at |-> %d".formatted(
        text(e.get("kind").asText()), text(e.get("session").asText()), text(e.get("key").asText()),
        e.get("token").asLong(), e.get("at").asLong());
    return e.get("kind").asText().equals("grant")
        ? "[" + common + ", exp |-> " + e.get("expires").asLong() + "]"
        : "[" + common + "]";
  }

  private static String text(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
