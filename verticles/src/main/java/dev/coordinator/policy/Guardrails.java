package dev.coordinator.policy;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The guardrail patterns of the database, compiled, and the check of a text against them for a
 * caller's trust. Shared by the verticles of a node: the current set is swapped atomically when
 * the database announces a change. The whole text is scanned, up to {@link #MAX_TEXT}.
 *
 * <p>HARD-1: the text is an agent's, so the matcher is RE2/J, linear in the text (a backtracking
 * matcher took a minute on 9 KB of {@code "git push "}); a pattern RE2/J cannot run (lookaround,
 * backreferences) is refused. A check runs on a worker thread, never an event loop, and gives up
 * at a deadline, which the caller treats as a failed check: a denial.
 */
public final class Guardrails {
  static final String LOAD = "SELECT id, category, pattern, severity, bypass_trust FROM guardrails ORDER BY id";
  /** Longer text is not checked, and so denied: 1 MiB of body plus its file paths stays below it. */
  public static final int MAX_TEXT = 2 * 1024 * 1024;
  /** A check still running after this long is abandoned and denies (1 MiB takes a few seconds). */
  public static final long DEADLINE_MS = 20_000;
  private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.MULTILINE;
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

  /** Thrown when a check cannot be completed; the caller denies. */
  public static final class CheckFailed extends RuntimeException {
    CheckFailed(String message) {
      super(message, null, false, false);
    }
  }

  private final AtomicReference<List<Guardrail>> current = new AtomicReference<>();

  /**
   * Loads (or reloads) the patterns. A pattern RE2/J cannot compile fails the whole load: the old
   * set stays (at start there is none, and the service does not start).
   */
  public Future<Integer> load(Pool pool) {
    return pool.query(LOAD).execute().map(rows -> {
      List<Guardrail> loaded = new ArrayList<>();
      rows.forEach(row -> loaded.add(new Guardrail(row.getString("id"), row.getString("category"),
          compile(row.getString("id"), row.getString("pattern")), row.getString("severity"),
          row.getInteger("bypass_trust"))));
      current.set(List.copyOf(loaded));
      return loaded.size();
    });
  }

  /** The pattern as guardrails run it; refused (with the reason) when RE2/J cannot run it. */
  static Pattern compile(String id, String pattern) {
    try {
      return Pattern.compile(pattern, FLAGS);
    } catch (PatternSyntaxException e) {
      throw new IllegalStateException("guardrail " + id + " is not a pattern RE2/J can run (no lookaround, no "
          + "backreferences): " + e.getMessage());
    }
  }

  /** {@link #check(String, int)} on a worker thread (not in order: checks do not wait for each other). */
  public Future<List<Violation>> check(Vertx vertx, String text, int trust) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
    return vertx.executeBlocking(() -> check(text, trust, deadline), false);
  }

  /** Every match of every pattern in {@code text}, judged for {@code trust}, blocking the caller. */
  public List<Violation> check(String text, int trust) {
    return check(text, trust, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS));
  }

  /**
   * Throws {@link CheckFailed} when no set is loaded, the text is too long, or the deadline
   * passes, so that the caller denies (fail closed).
   */
  List<Violation> check(String text, int trust, long deadlineNanos) {
    List<Guardrail> guardrails = current.get();
    if (guardrails == null) {
      throw new CheckFailed("the guardrails are not loaded");
    }
    if (text.length() > MAX_TEXT) {
      throw new CheckFailed("the text is " + text.length() + " characters long; guardrails check at most " + MAX_TEXT);
    }
    CharSequence timed = new Timed(text, deadlineNanos);
    List<Violation> violations = new ArrayList<>();
    for (Guardrail guardrail : guardrails) {
      collect(guardrail, timed, trust, violations);
    }
    return violations;
  }

  private static void collect(Guardrail guardrail, CharSequence text, int trust, List<Violation> violations) {
    Matcher matcher = guardrail.pattern().matcher(text);
    for (int found = 0; found < MAX_MATCHES_PER_PATTERN && matcher.find(); found++) {
      boolean bypassed = guardrail.bypassedAt(trust);
      String matched = matcher.group();
      violations.add(new Violation(guardrail.id(), guardrail.category(), guardrail.severity(),
          matched.length() > MAX_MATCHED_TEXT ? matched.substring(0, MAX_MATCHED_TEXT) : matched,
          guardrail.blocks() && !bypassed, bypassed));
    }
  }

  /**
   * The trust needed to pass every blocking pattern among {@code violations} (0 when none
   * blocks); {@link #NEVER} when none suffices. A task remembers it so that claims respect it.
   */
  public int trustNeeded(List<Violation> violations) {
    return violations.stream().filter(violation -> violation.severity().equals("block"))
        .mapToInt(violation -> bypassTrustOf(violation.pattern()))
        .max().orElse(0);
  }

  private int bypassTrustOf(String id) {
    return current.get().stream().filter(guardrail -> guardrail.id().equals(id)).findFirst()
        .map(guardrail -> guardrail.bypassTrust() == null ? NEVER : guardrail.bypassTrust()).orElse(NEVER);
  }

  /** The text as the matcher reads it: every few thousand characters read, the deadline is checked. */
  private static final class Timed implements CharSequence {
    private static final int CHECK_EVERY = 4_096;
    private final String text;
    private final long deadlineNanos;
    private int reads;

    Timed(String text, long deadlineNanos) {
      this.text = text;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public char charAt(int index) {
      if (++reads % CHECK_EVERY == 0 && System.nanoTime() - deadlineNanos > 0) {
        throw new CheckFailed("the guardrail check did not finish within " + DEADLINE_MS + " ms");
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.subSequence(start, end);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
