package dev.coordinator.policy;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The guardrail patterns of the database, compiled, and the check of a text against them for a
 * caller's trust. Shared by the verticles of a node: the current set is swapped atomically when
 * the database announces a change. The whole text is scanned, however long.
 */
public final class Guardrails {
  static final String LOAD = "SELECT id, category, pattern, severity, bypass_trust FROM guardrails ORDER BY id";
  private static final int MAX_MATCHES_PER_PATTERN = 20;
  private static final int MAX_MATCHED_TEXT = 200;
  /** The trust no agent has: a task whose text trips an unbypassable guardrail is never claimable. */
  static final int NEVER = 5;

  /** One compiled pattern. {@code bypassTrust} null: never bypassed. */
  record Guardrail(String id, String category, Pattern pattern, String severity, Integer bypassTrust) {
    boolean blocks() {
      return severity.equals("block");
    }

    boolean bypassedAt(int trust) {
      return bypassTrust != null && trust >= bypassTrust;
    }
  }

  /** One match, as api.md shows it (plus whether the caller's trust bypassed it). */
  public record Violation(String pattern, String category, String severity, String matchedText, boolean blocked,
                          boolean bypassed) {
    public JsonObject toJson() {
      return new JsonObject().put("pattern", pattern).put("category", category).put("severity", severity)
          .put("matched_text", matchedText).put("blocked", blocked).put("bypassed", bypassed);
    }

    public static JsonArray toJson(List<Violation> violations) {
      return new JsonArray(violations.stream().map(Violation::toJson).toList());
    }
  }

  private final AtomicReference<List<Guardrail>> current = new AtomicReference<>();

  /** Loads (or reloads) the patterns; a pattern that does not compile fails the load, and the old set stays. */
  public Future<Integer> load(Pool pool) {
    return pool.query(LOAD).execute().map(rows -> {
      List<Guardrail> loaded = new ArrayList<>();
      rows.forEach(row -> {
        try {
          loaded.add(new Guardrail(row.getString("id"), row.getString("category"),
              Pattern.compile(row.getString("pattern"), Pattern.CASE_INSENSITIVE | Pattern.MULTILINE),
              row.getString("severity"), row.getInteger("bypass_trust")));
        } catch (PatternSyntaxException e) {
          throw new IllegalStateException("guardrail " + row.getString("id") + " does not compile: " + e.getDescription());
        }
      });
      current.set(List.copyOf(loaded));
      return loaded.size();
    });
  }

  /**
   * Every match of every pattern in {@code text}, judged for {@code trust}. Throws when no set is
   * loaded or a pattern fails on the text, so that the caller denies (fail closed).
   */
  public List<Violation> check(String text, int trust) {
    List<Guardrail> guardrails = current.get();
    if (guardrails == null) {
      throw new IllegalStateException("the guardrails are not loaded");
    }
    List<Violation> violations = new ArrayList<>();
    for (Guardrail guardrail : guardrails) {
      try {
        collect(guardrail, text, trust, violations);
      } catch (StackOverflowError e) {
        throw new IllegalStateException("guardrail " + guardrail.id() + " could not be evaluated on this text");
      }
    }
    return violations;
  }

  private static void collect(Guardrail guardrail, String text, int trust, List<Violation> violations) {
    Matcher matcher = guardrail.pattern().matcher(text);
    for (int found = 0; found < MAX_MATCHES_PER_PATTERN && matcher.find(); found++) {
      boolean bypassed = guardrail.bypassedAt(trust);
      String matched = matcher.group();
      violations.add(new Violation(guardrail.id(), guardrail.category(), guardrail.severity(),
          matched.length() > MAX_MATCHED_TEXT ? matched.substring(0, MAX_MATCHED_TEXT) : matched,
          guardrail.blocks() && !bypassed, bypassed));
    }
  }

  /** The trust a text needs to pass every blocking pattern it matches (0 when it matches none); 5 when none suffices. */
  public int trustNeeded(String text) {
    return check(text, 0).stream().filter(Violation::blocked)
        .mapToInt(violation -> bypassTrustOf(violation.pattern()))
        .max().orElse(0);
  }

  private int bypassTrustOf(String id) {
    return current.get().stream().filter(guardrail -> guardrail.id().equals(id)).findFirst()
        .map(guardrail -> guardrail.bypassTrust() == null ? NEVER : guardrail.bypassTrust()).orElse(NEVER);
  }
}
