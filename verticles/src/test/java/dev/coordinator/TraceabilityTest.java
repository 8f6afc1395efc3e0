package dev.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * OPS-1: docs/traceability.md cannot drift from the code. Every requirement has one row; every
 * test a row names exists and names the row's requirement id itself (in a method name, a tag, a
 * message or a comment), so a test cannot be cited for what it does not claim to prove; every
 * file and TLA+ definition a row names exists; a row called covered names at least one test; and
 * a test the page names in its prose exists too.
 */
@Tag("OPS-1")
class TraceabilityTest {
  private static final Path ROOT = root();
  private static final Path TABLE = ROOT.resolve("docs/traceability.md");
  /** The design's ids, copied into the repository because the design is not part of a clone. */
  private static final Path IDS = ROOT.resolve("docs/requirement-ids.txt");
  private static final Pattern ROW = Pattern.compile("^\\| ([A-Z]+-[0-9]+) \\|(.*)\\|(.*)\\|(.*)\\|$");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  /** A test class, as the table cites it: {@code lock/LockApiTest}, {@code tla/…/tla/ModelTiesTest}, with an optional {@code #method}. */
  private static final Pattern TEST = Pattern.compile("(?:.*/)?[A-Z]\\w*(?:Test|IT)(?:#(\\w+))?");
  /** A TLA+ definition named after a requirement: LOCK1_OneLiveHolder is LOCK-1's. */
  private static final Pattern INVARIANT = Pattern.compile("([A-Z]+)([0-9]+)_[A-Za-z]+");

  /** One row of the table: the requirement, the cell that says what proves it, and its status. */
  record Row(String id, String proof, String status) {
    List<String> cited() {
      List<String> names = new ArrayList<>();
      Matcher code = CODE.matcher(proof);
      while (code.find()) {
        names.add(code.group(1));
      }
      return names;
    }

    List<String> tests() {
      return cited().stream().filter(name -> TEST.matcher(name).matches()).toList();
    }
  }

  @Test
  void everyRequirementHasExactlyOneRow() throws IOException {
    List<String> rowIds = rows().stream().map(Row::id).toList();
    assertEquals(new TreeSet<>(rowIds).size(), rowIds.size(), "a requirement with two rows: " + rowIds);
    assertEquals(new TreeSet<>(requirementIds()), new TreeSet<>(rowIds), "the rows of docs/traceability.md");
  }

  @Test
  void theIdListIsTheDesignsOwn() throws IOException {
    Optional<Path> design = designRequirements();
    Assumptions.assumeTrue(design.isPresent(), "the design (shared/design/requirements.md) is not beside this clone");
    List<String> ids = new ArrayList<>();
    Matcher heading = Pattern.compile("(?m)^- \\*\\*([A-Z]+-[0-9]+)\\*\\*").matcher(Files.readString(design.get()));
    while (heading.find()) {
      ids.add(heading.group(1));
    }
    assertEquals(ids, requirementIds(), IDS + " against " + design.get());
  }

  @Test
  void everyCitedTestExistsAndNamesTheRequirement() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (Row row : rows()) {
      for (String test : row.tests()) {
        Optional<Path> source = testSource(test);
        if (source.isEmpty()) {
          wrong.add(row.id() + ": no test " + test);
          continue;
        }
        String text = Files.readString(source.get());
        Matcher method = TEST.matcher(test);
        if (method.matches() && method.group(1) != null && !text.contains(" " + method.group(1) + "(")) {
          wrong.add(row.id() + ": " + test + " has no method " + method.group(1));
        }
        if (!mentions(text, row.id())) {
          wrong.add(row.id() + ": " + test + " never names " + row.id());
        }
      }
    }
    assertEquals(List.of(), wrong, "docs/traceability.md cites tests that do not exist or do not claim the requirement");
  }

  @Test
  void everyTestThePageNamesOutsideTheTableExists() throws IOException {
    List<String> missing = new ArrayList<>();
    Matcher code = CODE.matcher(Files.readString(TABLE));
    while (code.find()) {
      if (TEST.matcher(code.group(1)).matches() && testSource(code.group(1)).isEmpty()) {
        missing.add(code.group(1));
      }
    }
    assertEquals(List.of(), missing, "tests docs/traceability.md names that do not exist");
  }

  @Test
  void everyCitedFileAndInvariantExists() throws IOException {
    String spec = Files.readString(ROOT.resolve("tla/Coordinator.tla"));
    Set<String> ids = new TreeSet<>(requirementIds());
    List<String> wrong = new ArrayList<>();
    for (Row row : rows()) {
      for (String name : row.cited()) {
        Matcher invariant = INVARIANT.matcher(name);
        if (invariant.matches()) {
          if (!Pattern.compile("(?m)^" + name + " ==").matcher(spec).find()) {
            wrong.add(row.id() + ": tla/Coordinator.tla defines no " + name);
          }
          if (!ids.contains(invariant.group(1) + "-" + invariant.group(2))) {
            wrong.add(row.id() + ": " + name + " is named after no requirement");
          }
        } else if (name.contains("/") && !TEST.matcher(name).matches() && !name.contains(" ") && !exists(name)) {
          wrong.add(row.id() + ": no file " + name);
        }
      }
    }
    assertEquals(List.of(), wrong, "docs/traceability.md cites what is not there");
  }

  @Test
  void aCoveredRowNamesATest() throws IOException {
    List<String> unproven = rows().stream()
        .filter(row -> row.status().startsWith("covered") && row.tests().isEmpty())
        .map(Row::id).toList();
    assertEquals(List.of(), unproven, "rows marked covered that name no test");
  }

  private static List<Row> rows() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(TABLE)) {
      Matcher row = ROW.matcher(line);
      if (row.matches()) {
        rows.add(new Row(row.group(1), row.group(3).strip(), row.group(4).strip()));
      }
    }
    assertTrue(rows.size() > 1, "no rows parsed from " + TABLE);
    return rows;
  }

  private static List<String> requirementIds() throws IOException {
    return Files.readAllLines(IDS).stream().map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
  }

  /** The id as a whole word: LOCK-1 is not found in LOCK-10. */
  private static boolean mentions(String text, String id) {
    return Pattern.compile("(?<![A-Z0-9-])" + Pattern.quote(id) + "(?![0-9])").matcher(text).find();
  }

  /** {@code lock/LockApiTest} is under verticles' tests; {@code tla/…/tla/ModelTiesTest} under the tla module's. */
  private static Optional<Path> testSource(String cited) throws IOException {
    String name = cited.contains("#") ? cited.substring(0, cited.indexOf('#')) : cited;
    int elided = name.indexOf("/…/");
    if (elided < 0) {
      Path file = ROOT.resolve("verticles/src/test/java/dev/coordinator").resolve(name + ".java");
      return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }
    Path tests = ROOT.resolve(name.substring(0, elided)).resolve("src/test/java");
    if (!Files.isDirectory(tests)) {
      return Optional.empty();
    }
    String tail = "/" + name.substring(elided + 3) + ".java";
    try (Stream<Path> files = Files.walk(tests)) {
      return files.filter(file -> file.toString().endsWith(tail)).findFirst();
    }
  }

  /** A path from the repository's root, or a class of the service's code or tests ({@code db/SqlStatements}). */
  private static boolean exists(String cited) {
    return Files.exists(ROOT.resolve(cited))
        || Files.isRegularFile(ROOT.resolve("verticles/src/test/java/dev/coordinator").resolve(cited + ".java"))
        || Files.isRegularFile(ROOT.resolve("verticles/src/main/java/dev/coordinator").resolve(cited + ".java"));
  }

  private static Optional<Path> designRequirements() {
    for (Path dir = ROOT.getParent(); dir != null; dir = dir.getParent()) {
      Path design = dir.resolve("shared/design/requirements.md");
      if (Files.isRegularFile(design)) {
        return Optional.of(design);
      }
    }
    return Optional.empty();
  }

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("docs/traceability.md"))) {
        return dir;
      }
    }
    throw new UncheckedIOException(new IOException("no docs/traceability.md above " + Path.of("").toAbsolutePath()));
  }
}
