package dev.coordinator.tla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLA-1: keeps the model, its manifest and the traceability table from drifting apart: every
 * cfg is in the manifest (so the build runs or deliberately skips it), and the requirement-named
 * definitions of the spec are exactly those the traceability table and the README cite.
 */
@Tag("TLA-1")
class ModelTiesTest {
  private static final Path DIR = Path.of("").toAbsolutePath();
  /** A definition named after a requirement id: LOCK1_OneLiveHolder, TASK5_ClaimEnds, ... */
  private static final Pattern REQUIREMENT_NAMED = Pattern.compile("\\b[A-Z]+[0-9]+_[A-Za-z]+\\b");

  @Test
  void everyCfgIsInTheManifest() throws IOException {
    Set<String> listed = new TreeSet<>();
    for (JsonNode model : new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile()).get("models")) {
      listed.add(model.get("cfg").asText());
    }
    try (Stream<Path> files = Files.list(DIR)) {
      Set<String> cfgs = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cfg"))
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(cfgs, listed);
    }
  }

  @Test
  void theRequirementNamedDefinitionsAreTheOnesTheDocsCite() throws IOException {
    Set<String> defined = new TreeSet<>();
    Matcher definitions = Pattern.compile("(?m)^(" + REQUIREMENT_NAMED.pattern() + ") ==")
        .matcher(Files.readString(DIR.resolve("Coordinator.tla")));
    while (definitions.find()) {
      defined.add(definitions.group(1));
    }
    assertFalse(defined.isEmpty());
    String tla1Row = Files.readString(DIR.resolveSibling("docs").resolve("traceability.md")).lines()
        .filter(line -> line.startsWith("| TLA-1 |")).findFirst().orElseThrow();
    assertEquals(defined, cited(tla1Row), "docs/traceability.md, row TLA-1");
    assertEquals(defined, cited(Files.readString(DIR.resolve("README.md"))), "tla/README.md");
  }

  private static Set<String> cited(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = REQUIREMENT_NAMED.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }
}
