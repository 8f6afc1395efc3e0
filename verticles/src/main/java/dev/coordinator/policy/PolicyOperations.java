package dev.coordinator.policy;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Document;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.policy.PolicyCommand;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/** The policy verticle's own commands, for one caller: dry runs, validation, profile, reload. */
final class PolicyOperations implements PolicyCommand.Handler<Future<Reply>> {
  private final PolicyEngine engine;
  private final Authorized authorized;
  private final Principal caller;
  private final Pool pool;
  private final Guardrails guardrails;

  private final Vertx vertx;

  PolicyOperations(PolicyEngine engine, Authorized authorized, Pool pool, Guardrails guardrails, Vertx vertx) {
    this.guardrails = guardrails;
    this.vertx = vertx;
    this.engine = engine;
    this.authorized = authorized;
    this.caller = authorized.principal();
    this.pool = pool;
  }

  @Override
  public Future<Reply> check(PolicyCommand.Check command) {
    Decision decision = engine.decide(caller, PolicyRequest.named(command.checkedAction(), command.target()));
    return done(new JsonObject().put("allowed", decision.allowed()).put("reason", decision.reason())
        .put("engine", decision.engine()).put("policies", new JsonArray(decision.policies())));
  }

  @Override
  public Future<Reply> validate(PolicyCommand.Validate command) {
    // Parsing and validating up to 64 KiB in native code is work for a worker, not for the gate's event loop.
    return vertx.executeBlocking(() -> cedarPolicies().check(command.policyText()), false)
        .compose(errors -> done(new JsonObject().put("valid", errors.isEmpty()).put("errors", new JsonArray(errors))));
  }

  @Override
  public Future<Reply> profile(PolicyCommand.Profile command) {
    List<String> allowed = Commands.actionNames().sorted()
        .filter(action -> engine.decide(caller, PolicyRequest.named(action, null)).allowed())
        .toList();
    return done(new JsonObject().put("agent", new JsonObject().put("id", caller.id()).put("type", caller.type())
        .put("trust", caller.trust())).put("allowed_actions", new JsonArray(allowed)));
  }

  @Override
  public Future<Reply> reload(PolicyCommand.Reload command) {
    if (!(engine instanceof CedarPolicyEngine cedar)) {
      return Future.succeededFuture(Reply.Failure.of(ErrorCode.INVALID_STATE,
          "the " + engine.name() + " engine has no policy files to reload"));
    }
    Reply reply;
    JsonObject result;
    CedarPolicies reread = null;
    try {
      reread = cedar.reread();
      JsonArray loaded = new JsonArray(reread.ids());
      reply = Reply.success(new Document(new JsonObject().put("reloaded", true).put("policies", loaded)));
      result = new JsonObject().put("policies", loaded);
    } catch (CedarPolicies.InvalidPolicies e) {
      CoordinatorException refused = CoordinatorException.invalid("policies",
          "the new policy set does not validate; the old one stays in force");
      refused.failure().details().put("errors", new JsonArray(e.errors()));
      reply = refused.failure();
      result = new JsonObject().put("error", "VALIDATION_FAILED").put("errors", new JsonArray(e.errors()));
    }
    Tuple audit = AuditContext.tuple(authorized.envelope(), caller.type(), authorized.decision())
        .addString(command.actionName()).addString(command.resource())
        .addString(reply instanceof Reply.Success ? "ok" : "error").addValue(result);
    Reply answer = reply;
    CedarPolicies accepted = reread;
    // AUD-1: the new set is in force only once its audit row is written; every other node hears of
    // it in the same transaction (PolicySync), so it is announced exactly when it happened.
    return pool.withTransaction(connection -> connection.preparedQuery(AuditSql.INSERT).execute(audit)
        .compose(written -> accepted == null ? Future.succeededFuture()
            : connection.preparedQuery(PolicySync.ANNOUNCE).execute().mapEmpty())).map(done -> {
      if (accepted != null) {
        cedar.install(accepted);
      }
      return answer;
    });
  }

  @Override
  public Future<Reply> checkGuardrails(PolicyCommand.CheckGuardrails command) {
    return guardrails.check(vertx, GuardedText.of(command).orElseThrow(), caller.trust()).compose(
        this::answerCheck,
        error -> Future.succeededFuture(Reply.Failure.of(ErrorCode.POLICY_DENIED,
            "the guardrail check failed, so the text is not judged safe: " + error.getMessage())));
  }

  private Future<Reply> answerCheck(List<Guardrails.Violation> violations) {
    JsonObject answer = new JsonObject().put("safe", violations.stream().noneMatch(Guardrails.Violation::blocked))
        .put("violations", Guardrails.Violation.toJson(violations));
    Future<Void> recorded = violations.isEmpty() ? Future.succeededFuture()
        : GuardrailRecord.write(pool, authorized.envelope(), caller, authorized.decision(), GuardrailRecord.MATCH_ACTION,
            "ok", violations);
    return recorded.map(done -> Reply.success(new Document(answer)));
  }

  private CedarPolicies cedarPolicies() {
    if (engine instanceof CedarPolicyEngine cedar) {
      return cedar.policies();
    }
    return BundledPolicies.INSTANCE;
  }

  private static Future<Reply> done(JsonObject json) {
    return Future.succeededFuture(Reply.success(new Document(json)));
  }

  /** The bundled set, for validating policy text when the native engine is in force. */
  private static final class BundledPolicies {
    static final CedarPolicies INSTANCE = load();

    private static CedarPolicies load() {
      try {
        return CedarPolicies.load(null);
      } catch (CedarPolicies.InvalidPolicies e) {
        throw new IllegalStateException("the bundled policies do not validate: " + e.getMessage(), e);
      }
    }
  }
}
