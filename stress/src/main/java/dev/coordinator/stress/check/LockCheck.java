package dev.coordinator.stress.check;

import dev.coordinator.stress.history.Operation;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * LOCK-1, LOCK-2 and LOCK-3 over the history.
 *
 * <ul>
 *   <li>LOCK-1: no two holders' grants of a key certainly overlap ({@link Holding}): a grant is
 *       held from its {@code acquired_at} until the latest {@code expires_at} the server
 *       acknowledged for its token, cut short at (invoke time - uncertainty) by any release or
 *       session end that may have acted, and at the earliest possible reap of its session.
 *   <li>LOCK-2: ordered by {@code acquired_at}, a key's tokens strictly increase; one token is never
 *       granted twice; a holder that still holds its grant is not given a new token; validate,
 *       renew and release never accept a token once a newer grant of the key was known.
 *   <li>LOCK-3: the protected resource never accepted a stale token: in the order the resource
 *       accepted writes to a key, the grants they came from never go back in time.
 * </ul>
 */
final class LockCheck {
  private final Map<String, Map<Long, Holding>> grants = new LinkedHashMap<>();
  /** Grants by key, agent and session: what a release can act on, found without a scan. */
  private final Map<String, List<Holding>> byHolder = new HashMap<>();
  /** Per holder and key, the earliest unknown release without a token (minus the uncertainty). */
  private final Map<String, Instant> uncertainFrom = new HashMap<>();
  private final List<Violation> violations = new ArrayList<>();
  private final Duration uncertainty;

  private LockCheck(Duration uncertainty) {
    this.uncertainty = uncertainty;
  }

  static List<Violation> check(List<Operation> operations, Sessions sessions, CheckSettings settings) {
    LockCheck check = new LockCheck(settings.clockUncertainty());
    operations.stream().filter(Operation::ok).forEach(check::grant);
    check.indexByHolder();
    operations.stream().filter(op -> op.op().equals("release") && (op.ok() || op.unknown())).forEach(check::release);
    check.cutUncertain();
    check.grants.values().forEach(byToken -> byToken.values().forEach(sessions::cut));
    check.grants.forEach(check::exclusion);
    check.staleTokens(operations);
    check.resource(operations);
    return check.violations;
  }

  /** An acknowledged acquire, refresh or renew: the lock it answers with is held at least until its expires_at. */
  private void grant(Operation op) {
    JsonObject lock = op.result().getJsonObject("lock");
    if (lock == null || !(op.op().equals("acquire") || op.op().equals("renew"))) {
      return;
    }
    String key = lock.getString("key");
    long token = lock.getLong("fencing_token");
    Instant acquired = Instant.parse(lock.getString("acquired_at"));
    Instant expires = Instant.parse(lock.getString("expires_at"));
    Holding known = grants.computeIfAbsent(key, k -> new HashMap<>()).get(token);
    if (known == null) {
      grants.get(key).put(token, new Holding(key, String.valueOf(token), lock.getString("holder"), lock.getString("session_id"),
          acquired, expires, op.id(), op.completedAt()));
      return;
    }
    if (!known.agent.equals(lock.getString("holder")) || !Objects.equals(known.session, lock.getString("session_id"))
        || !known.start.equals(acquired)) {
      violations.add(new Violation("LOCK-2", "key " + key + ": token " + token + " was granted twice: " + known
          + " and to " + lock.getString("holder") + "/" + lock.getString("session_id") + " acquired at " + acquired,
          List.of(known.opId, op.id())));
      return;
    }
    known.extend(expires, op.completedAt());
  }

  private static String holder(String key, String agent, String session) {
    return key + "\n" + agent + "\n" + session;
  }

  /** Each holder's grants of a key, in the order the holder learnt of them. */
  private void indexByHolder() {
    grants.values().forEach(byToken -> byToken.values().forEach(h ->
        byHolder.computeIfAbsent(holder(h.thing, h.agent, h.session), k -> new ArrayList<>()).add(h)));
    byHolder.values().forEach(list -> list.sort(Comparator.comparing((Holding h) -> h.knownAt)));
  }

  /**
   * A release that may have acted cuts the grant it may have acted on. With a token, that grant.
   * Acknowledged without a token: the grant its holder knew of last when it sent it (it sends the
   * next acquire only after the answer). Unknown without a token: it may be served late and act on
   * any grant of its holder and key from its invocation on, so none of those is certainly held.
   */
  private void release(Operation op) {
    String key = op.args().getString("key");
    Long token = op.args().getLong("fencing_token");
    String holder = holder(key, op.args().getString("agent"), op.args().getString("session"));
    Instant at = op.invokedAt().minus(uncertainty);
    if (token != null) {
      Holding grant = grants.getOrDefault(key, Map.of()).get(token);
      if (grant != null && holder(grant.thing, grant.agent, grant.session).equals(holder)) {
        grant.cut(at);
      }
    } else if (op.unknown()) {
      uncertainFrom.merge(holder, at, (a, b) -> a.isBefore(b) ? a : b);
    } else {
      List<Holding> known = byHolder.getOrDefault(holder, List.of());
      int index = lastKnownBefore(known, op.invokedAt());
      if (index >= 0) {
        known.get(index).cut(at);
      }
    }
  }

  private static int lastKnownBefore(List<Holding> sortedByKnownAt, Instant at) {
    int low = 0;
    int high = sortedByKnownAt.size() - 1;
    int found = -1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      if (sortedByKnownAt.get(middle).knownAt.isBefore(at)) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Unknown releases without a token cut every grant of their holder and key from their invocation on. */
  private void cutUncertain() {
    uncertainFrom.forEach((holder, at) -> byHolder.getOrDefault(holder, List.of()).forEach(h -> h.cut(at)));
  }

  private void exclusion(String key, Map<Long, Holding> byToken) {
    List<Holding> holdings = new ArrayList<>(byToken.values());
    for (Holding.Overlap overlap : Holding.overlaps(holdings)) {
      boolean sameHolder = overlap.earlier().sameHolder(overlap.later());
      violations.add(new Violation(sameHolder ? "LOCK-2" : "LOCK-1",
          "key " + key + ": " + (sameHolder ? "the holder got a new token while it still held the key: " : "two holders at once: ")
              + overlap.earlier() + "; then " + overlap.later(),
          List.of(overlap.earlier().opId, overlap.later().opId)));
    }
    holdings.sort(Comparator.comparing((Holding h) -> h.start).thenComparing(h -> h.opId));
    for (int i = 1; i < holdings.size(); i++) {
      Holding before = holdings.get(i - 1);
      Holding after = holdings.get(i);
      if (Long.parseLong(after.token) <= Long.parseLong(before.token)) {
        violations.add(new Violation("LOCK-2", "key " + key + ": token " + after.token + " granted at " + after.start
            + " is not greater than token " + before.token + " granted before it at " + before.start,
            List.of(before.opId, after.opId)));
      }
    }
  }

  /** Validate (valid), renew and release with a token are acknowledged only while no newer grant of the key was known. */
  private void staleTokens(List<Operation> operations) {
    // Per grant: the earliest moment a client knew of any later grant of its key.
    Map<Holding, Instant> newerKnownAt = new HashMap<>();
    grants.forEach((key, byToken) -> {
      List<Holding> list = new ArrayList<>(byToken.values());
      list.sort(Comparator.comparing((Holding h) -> h.start));
      Instant earliest = Instant.MAX;
      for (int i = list.size() - 1; i >= 0; i--) {
        newerKnownAt.put(list.get(i), earliest);
        earliest = list.get(i).knownAt.isBefore(earliest) ? list.get(i).knownAt : earliest;
      }
    });
    for (Operation op : operations) {
      boolean accepted = op.ok() && switch (op.op()) {
        case "validate" -> op.result().getBoolean("valid", false);
        case "renew", "release" -> op.args().getLong("fencing_token") != null;
        default -> false;
      };
      if (!accepted) {
        continue;
      }
      String key = op.args().getString("key");
      long token = op.args().getLong("fencing_token");
      Holding grant = grants.getOrDefault(key, Map.of()).get(token);
      if (grant != null && newerKnownAt.get(grant).isBefore(op.invokedAt())) {
        violations.add(new Violation("LOCK-2", "key " + key + ": " + op.op() + " accepted token " + token
            + " after a newer grant of the key had been acknowledged", List.of(op.id())));
      }
    }
  }

  /** In the resource's acceptance order, the grants behind accepted writes of a key never go back in time. */
  private void resource(List<Operation> operations) {
    List<Operation> accepted = operations.stream()
        .filter(op -> op.op().equals("write") && op.ok() && op.result().getBoolean("accepted", false))
        .sorted(Comparator.comparingLong(op -> op.result().getLong("sequence")))
        .toList();
    Map<String, Holding> latest = new HashMap<>();
    Map<String, Long> latestOp = new HashMap<>();
    for (Operation write : accepted) {
      String key = write.args().getString("key");
      Holding grant = grants.getOrDefault(key, Map.of()).get(write.args().getLong("fencing_token"));
      if (grant == null) {
        violations.add(new Violation("LOCK-3", "key " + key + ": the resource accepted token "
            + write.args().getLong("fencing_token") + ", which no acknowledged grant carries", List.of(write.id())));
        continue;
      }
      Holding before = latest.get(key);
      if (before != null && grant.start.isBefore(before.start)) {
        violations.add(new Violation("LOCK-3", "key " + key + ": the resource accepted a stale token: " + grant
            + " was written after a write under the newer " + before, List.of(latestOp.get(key), write.id())));
      } else {
        latest.put(key, grant);
        latestOp.put(key, write.id());
      }
    }
  }
}
