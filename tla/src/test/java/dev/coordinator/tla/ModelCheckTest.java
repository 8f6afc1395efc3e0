package dev.coordinator.tla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Pattern VIOLATED = Pattern.compile("Invariant (\\w+) is violated");
  private static final Pattern DISTINCT = Pattern.compile("([\\d,]+) distinct states found");
  private static final String NO_ERROR = "Model checking completed. No error has been found.";

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
    Run run = tlc(model.get("module").asText(), cfg, model.path("timeoutSeconds").asInt(600));
    String expected = model.get("expect").asText();
    assertEquals(expected, run.outcome(), () -> cfg + ": TLC's outcome differs from the manifest; its output:\n" + run.output());
    if (expected.equals("pass") && model.has("distinctStates")) {
      assertEquals(model.get("distinctStates").asLong(), run.distinctStates(),
          () -> cfg + ": the model's state space changed; update manifest.json if that was meant");
    }
  }

  private record Run(String outcome, long distinctStates, String output) {
  }

  private static Run tlc(String module, String cfg, int timeoutSeconds) throws Exception {
    Path meta = Path.of(System.getProperty("tlc.metadir", "target/tlc")).resolve(cfg);
    Files.createDirectories(meta);
    Path log = meta.resolveSibling(cfg + ".out");
    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseParallelGC",
        "-cp", tlaToolsJar(), "tlc2.TLC", "-workers", "1", "-metadir", meta.toString(), "-config", cfg, module)
        .directory(DIR.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      fail(cfg + ": TLC ran longer than " + timeoutSeconds + " s; output in " + log);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    return new Run(outcome(process.exitValue(), output), distinct(output), output);
  }

  /** {@code pass} only for exit 0 with TLC's all-clear; the violated invariant's name; else what went wrong. */
  static String outcome(int exit, String output) {
    Matcher violated = VIOLATED.matcher(output);
    if (violated.find()) {
      return violated.group(1);
    }
    if (exit == 0 && output.contains(NO_ERROR)) {
      return "pass";
    }
    if (output.contains("Temporal properties were violated")) {
      return "liveness";
    }
    if (output.contains("Deadlock reached")) {
      return "deadlock";
    }
    return "error (exit " + exit + ")";
  }

  private static long distinct(String output) {
    Matcher m = DISTINCT.matcher(output);
    long last = -1;
    while (m.find()) {
      last = Long.parseLong(m.group(1).replace(",", ""));
    }
    return last;
  }

  private static String tlaToolsJar() throws URISyntaxException {
    return Path.of(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
