package dev.coordinator.policy;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.AuthorizationRequest;
import com.cedarpolicy.model.AuthorizationResponse;
import com.cedarpolicy.model.AuthorizationSuccessResponse;
import com.cedarpolicy.model.entity.Entity;
import com.cedarpolicy.model.exception.AuthException;
import com.cedarpolicy.value.CedarList;
import com.cedarpolicy.value.EntityTypeName;
import com.cedarpolicy.value.EntityUID;
import com.cedarpolicy.value.PrimBool;
import com.cedarpolicy.value.PrimLong;
import com.cedarpolicy.value.PrimString;
import com.cedarpolicy.value.Value;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides with Cedar. The principal is the agent with its profile's trust, type and action lists
 * as attributes; the action is the command's, a member of its group (read, write or admin); the
 * resource has its kind. The policy set can be replaced at run time by one that validates; an
 * engine error denies. Each set remembers the decisions it made ({@link DecisionCache}).
 */
public final class CedarPolicyEngine implements PolicyEngine {
  public static final String NAME = "cedar";
  private static final EntityTypeName AGENT = EntityTypeName.parse("Agent").orElseThrow();
  private static final EntityTypeName RESOURCE = EntityTypeName.parse("Resource").orElseThrow();
  private static final EntityTypeName ACTION = EntityTypeName.parse("Action").orElseThrow();

  private final BasicAuthorizationEngine engine = new BasicAuthorizationEngine();
  private final Path folder;
  private final AtomicReference<InForce> inForce;

  /**
   * The set in force and the decisions it made, swapped as one: a decision is evaluated with the
   * set it is stored for, so no decision of an earlier set is ever answered once a new one is in force.
   */
  private record InForce(CedarPolicies policies, DecisionCache decisions) {
    InForce(CedarPolicies policies) {
      this(policies, new DecisionCache());
    }
  }

  /** Cedar could not answer: the request is denied, and the denial is not remembered. */
  private static final class EvaluationFailed extends Exception {
    EvaluationFailed(String why) {
      super(why, null, false, false);
    }
  }

  /** Loads from {@code folder}, or the bundled policies when null; an invalid set stops the start. */
  public CedarPolicyEngine(Path folder) throws CedarPolicies.InvalidPolicies {
    this.folder = folder;
    this.inForce = new AtomicReference<>(new InForce(CedarPolicies.load(folder)));
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Reads and validates the policies again without putting them in force: a reload is in force
   * only once its audit row is written ({@link #install}), so a failed audit leaves the old set.
   */
  public CedarPolicies reread() throws CedarPolicies.InvalidPolicies {
    return CedarPolicies.load(folder);
  }

  /** Puts a set read by {@link #reread} in force. */
  public void install(CedarPolicies loaded) {
    inForce.set(new InForce(loaded));
  }

  public CedarPolicies policies() {
    return inForce.get().policies();
  }

  /** How many decisions the set in force remembers. */
  int remembered() {
    return inForce.get().decisions().size();
  }

  @Override
  public Decision decide(Principal principal, PolicyRequest request) {
    InForce current = inForce.get();
    Decision known = current.decisions().get(principal, request);
    if (known != null) {
      return known;
    }
    try {
      Decision decision = evaluate(current.policies(), principal, request);
      current.decisions().put(principal, request, decision);
      return decision;
    } catch (EvaluationFailed e) {
      return failed(e.getMessage());
    }
  }

  private Decision evaluate(CedarPolicies policies, Principal principal, PolicyRequest request)
      throws EvaluationFailed {
    EntityUID agent = AGENT.of(principal.id());
    EntityUID resource = RESOURCE.of(request.resource());
    EntityUID action = ACTION.of(request.action());
    Entity agentEntity = new Entity(agent, Map.of(
        "agent_type", new PrimString(principal.type()),
        "trust", new PrimLong(principal.trust()),
        "restricted", new PrimBool(principal.restricted()),
        "allowed_actions", strings(principal.allowedActions()),
        "blocked_actions", strings(principal.blockedActions())), Set.of());
    Entity resourceEntity = new Entity(resource, Map.of("kind", new PrimString(request.resourceKind())), Set.of());
    Set<EntityUID> groups = request.group().map(group -> Set.of(ACTION.of(group))).orElse(Set.of());
    Entity actionEntity = new Entity(action, Map.of(), groups);
    Map<String, Value> context = new java.util.HashMap<>(Map.of("name", new PrimString(request.action()),
        "reads_others", new PrimBool(request.readsOthers())));
    request.numbers().forEach((name, number) -> context.put(name, new PrimLong(number)));
    Set<Entity> entities = new java.util.HashSet<>(Set.of(agentEntity, resourceEntity, actionEntity));
    groups.forEach(group -> entities.add(new Entity(group, Map.of(), Set.of())));
    try {
      AuthorizationResponse response = engine.isAuthorized(new AuthorizationRequest(agent, action, resource, context),
          policies.policySet(), entities);
      if (response.success.isEmpty()) {
        throw new EvaluationFailed(response.errors.map(Object::toString).orElse("no answer"));
      }
      AuthorizationSuccessResponse success = response.success.get();
      if (!success.getErrors().isEmpty()) {
        throw new EvaluationFailed(success.getErrors().toString());
      }
      List<String> determining = success.getReason().stream().sorted().toList();
      String reason = success.isAllowed()
          ? request.action() + " allowed for agent " + principal.id() + " (trust " + principal.trust() + ") by " + determining
          : request.action() + " denied for agent " + principal.id() + " (trust " + principal.trust() + ")"
              + (determining.isEmpty() ? ": no policy permits it" : " by " + determining);
      return new Decision(success.isAllowed(), false, reason, NAME, determining);
    } catch (AuthException | RuntimeException e) {
      throw new EvaluationFailed(e.getMessage());
    }
  }

  // Fail closed: an evaluation error is a denial that says so.
  private static Decision failed(String why) {
    return new Decision(false, false, "the policy engine failed, so the request is denied: " + why, NAME, List.of());
  }

  private static CedarList strings(Set<String> values) {
    return new CedarList(values.stream().sorted().map(value -> (Value) new PrimString(value)).toList());
  }
}
