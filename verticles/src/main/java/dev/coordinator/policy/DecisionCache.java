package dev.coordinator.policy;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The decisions one policy set made, so that the same question is not put to the native library
 * again (a Cedar call re-serializes the entities and the context over JNI: a quarter of the
 * service's CPU under load). The key is everything an evaluation reads: the whole principal (id,
 * type, trust, action lists: a profile change is a new key) and the whole request (action, group,
 * resource and its kind, reach, numbers). The policy set is not in the key because a cache belongs
 * to one set: installing a set starts an empty cache ({@link CedarPolicyEngine#install}). Bounded,
 * least recently used out first. Caching changes no audit: the gate records every decision, hit or not.
 */
final class DecisionCache {
  static final int CAPACITY = 4_096;

  private record Question(Principal principal, PolicyRequest request) {
  }

  private final Map<Question, Decision> decisions = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Question, Decision> eldest) {
      return size() > CAPACITY;
    }
  };

  /** The decision made before for exactly this question, or null. */
  synchronized Decision get(Principal principal, PolicyRequest request) {
    return decisions.get(new Question(principal, request));
  }

  synchronized void put(Principal principal, PolicyRequest request, Decision decision) {
    decisions.put(new Question(principal, request), decision);
  }

  synchronized int size() {
    return decisions.size();
  }
}
