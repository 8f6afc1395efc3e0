package dev.coordinator.policy;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authenticate;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.JsonArgs;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Refusal;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskReplies;
import dev.coordinator.domain.CommandJson;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.Scope;
import dev.coordinator.config.CoordinatorConfig.Enforcement;
import dev.coordinator.cluster.LocalDelivery;
import dev.coordinator.cluster.WakeRelay;
import dev.coordinator.db.ChangeChannel;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import dev.coordinator.db.Pools;
import dev.coordinator.db.SqlFailures;
import dev.coordinator.mcp.McpSessions;
import dev.coordinator.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one gate every command passes. It resolves the caller's profile from the database (never
 * from the request), asks the policy engine, records a denial in the audit trail and answers it,
 * or forwards the command to its domain verticle stamped with the decision.
 */
public final class PolicyVerticle extends PooledVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyVerticle.class);
  /** How long a domain verticle may take beyond the command's own wait before the caller hears TIMEOUT. */
  public static final long DOMAIN_TIMEOUT_MS = 30_000;
  static final String PROFILE_CHANNEL = "coordinator_agents";
  static final String SESSION_OWNER = "SELECT agent, status FROM sessions WHERE id = $1::uuid";
  private static final String SESSION_FIELD = "Coordinator-Session";
  /** The engine named on refusals the gate makes itself, before or besides the policy engine. */
  static final String GATE = "gate";
  /** The outcome of a refusal for unreadable input, and of one for an authorization matter. */
  private static final String INVALID = "error";
  private static final String DENIED = "denied";

  private final PolicyEngine engine;
  private final Enforcement enforcement;
  private final Object stamp;
  private final Guardrails guardrails;
  private final Metrics metrics;
  private ProfileCache profiles;
  private ChangeChannel changes;

  public PolicyVerticle(DatabaseUrl database, int poolSize, PolicyEngine engine, Enforcement enforcement, Object stamp,
                        Guardrails guardrails, Metrics metrics) {
    super(database, poolSize);
    this.guardrails = guardrails;
    this.metrics = metrics;
    this.engine = engine;
    this.enforcement = enforcement;
    this.stamp = stamp;
  }

  @Override
  protected Future<?> startWithPool() {
    profiles = new ProfileCache(pool);
    PolicySync policies = new PolicySync(vertx, pool, engine);
    Runnable reload = () -> guardrails.load(pool)
        .onFailure(error -> LOG.error("guardrails could not be reloaded; the old set stays", error));
    WakeRelay wakes = new WakeRelay(vertx.eventBus());
    Map<String, Consumer<String>> channels = new LinkedHashMap<>();
    channels.put(PROFILE_CHANNEL, payload -> {
      profiles.invalidate();
      reload.run();
    });
    channels.put(WakeRelay.CHANNEL, wakes::relay);
    channels.put(PolicySync.CHANNEL, reloaded -> policies.catchUp());
    channels.put(McpSessions.CANCEL_CHANNEL, this::relayCancellation);
    changes = new ChangeChannel(vertx, pool, Pools.connectOptions(database()), channels, new ChangeChannel.Proof() {
      @Override
      public void down() {
        profiles.caching(false);
      }

      // Whatever changed while the channel was not proven went unannounced: reload, catch up with
      // policy reloads, and let every waiter try once.
      @Override
      public void proven() {
        profiles.caching(true);
        reload.run();
        policies.catchUp();
        wakes.resync();
      }
    });
    profiles.listening(changes::connected);
    return guardrails.load(pool).compose(loaded -> policies.start()).compose(started -> Future.all(
        vertx.eventBus().<Authenticate>localConsumer(Addresses.AUTHENTICATE, this::authenticate).completion(),
        vertx.eventBus().<Envelope>localConsumer(Addresses.POLICY, this::decide).completion(),
        vertx.eventBus().<Refusal>localConsumer(Addresses.REFUSALS, this::refused).completion(),
        serve(Addresses.POLICY_ADMIN, authorized -> ((PolicyCommand) authorized.command())
            .accept(new PolicyOperations(engine, authorized, pool, guardrails, vertx))),
        changes.start()));
  }

  @Override
  protected Future<?> stopBeforePool() {
    return changes.stop();
  }

  /** An MCP cancellation another node asked for goes to this node's MCP entry, and no further. */
  private void relayCancellation(String payload) {
    JsonObject notice;
    try {
      notice = new JsonObject(payload);
    } catch (RuntimeException unreadable) {
      LOG.debug("ignored an unreadable MCP cancellation: {}", payload);
      return;
    }
    vertx.eventBus().publish(Addresses.MCP_CANCELLED, notice, new DeliveryOptions().setLocalOnly(true));
  }

  private void authenticate(Message<Authenticate> message) {
    Authenticate attempt = message.body();
    profiles.byKeyHash(Base64.getDecoder().decode(attempt.keyDigest()))
        .compose(principal -> principal == null ? refuseUnknownKey(attempt) : Future.succeededFuture(Reply.success(principal)))
        .recover(error -> Future.succeededFuture(SqlFailures.toFailure(error, false)))
        .onSuccess(message::reply);
  }

  /** An unknown key is a refusal like any other: audited (by nobody known), naming where it came from. */
  private Future<Reply> refuseUnknownKey(Authenticate attempt) {
    String reason = "unknown API key";
    var audit = AuditContext.anonymous(attempt.requestId(), reason, new JsonObject().put("remote_address", attempt.remoteAddress()))
        .addString("authenticate")
        .addString(attempt.remoteAddress())
        .addString("denied")
        .addValue(null);
    return pool.preparedQuery(AuditSql.INSERT).execute(audit).map(done -> Reply.Failure.of(ErrorCode.UNAUTHENTICATED, reason));
  }

  private void decide(Message<Envelope> message) {
    Envelope envelope = message.body();
    profiles.byId(envelope.agentId())
        .compose(principal -> principal == null
            ? Future.succeededFuture(Reply.Failure.of(ErrorCode.UNAUTHENTICATED, "agent " + envelope.agentId() + " no longer exists"))
            : decide(envelope, principal))
        .recover(error -> Future.succeededFuture(SqlFailures.toFailure(error, false)))
        .onSuccess(message::reply);
  }

  /** HARD-2: a request an entry point could not read is recorded as a refusal, then answered. */
  private void refused(Message<Refusal> message) {
    Refusal refusal = message.body();
    profiles.byId(refusal.agentId())
        .compose(principal -> principal == null
            ? Future.succeededFuture(
                Reply.Failure.of(ErrorCode.UNAUTHENTICATED, "agent " + refusal.agentId() + " no longer exists"))
            : refuse(refusal, principal, new JsonObject(), INVALID))
        .recover(error -> Future.succeededFuture(SqlFailures.toFailure(error, false)))
        .onSuccess(message::reply);
  }

  private Future<Reply> decide(Envelope envelope, Principal principal) {
    Command command = envelope.command();
    JsonObject params = CommandJson.of(command);
    try {
      // A backstop for text read outside JsonArgs (query and path parameters): nothing below may see U+0000.
      JsonArgs.rejectNul(params);
    } catch (CoordinatorException e) {
      return refuse(Refusal.of(envelope, e.failure()), principal, new JsonObject(), INVALID);
    }
    PolicyRequest request = PolicyRequest.of(principal, command, params);
    Decision decision = enforce(engine.decide(principal, request));
    metrics.decision(decision.auditDecision(), decision.engine());
    if (!decision.allowed()) {
      return deny(envelope, principal, decision);
    }
    // How far the command reaches is the engine's call too (never shadowed: it filters data, it denies nothing).
    boolean others = PolicyRequest.scoped(command) && engine.decide(principal, request.reachingOthers()).allowed();
    return guard(envelope, principal, decision)
        .compose(guarded -> guarded.refusal() != null ? Future.succeededFuture(guarded.refusal())
            : sessionRefusal(envelope, principal).compose(refusal -> refusal != null
                ? refuse(Refusal.of(envelope, refusal), principal, params, DENIED)
                : forward(new Authorized(envelope, principal, decision, stamp, new Scope(others, guarded.claimTrust(), principal.trust())))
                    .compose(reply -> audited(envelope, principal, decision, reply))));
  }

  /** The audit row of a forwarded command that its domain statement did not write, if any. */
  private Future<Reply> audited(Envelope envelope, Principal principal, Decision decision, Reply reply) {
    if (!envelope.command().mutates()) {
      return auditRead(envelope, principal, decision, reply);
    }
    if (reply instanceof Reply.Success success && success.payload() instanceof TaskReplies.One one && one.task() == null) {
      return auditOutcome(envelope, principal, decision, "ok", new JsonObject().putNull("task")).map(done -> reply);
    }
    return Future.succeededFuture(reply);
  }

  /**
   * HARD-2: a session the request names (its {@code Coordinator-Session}, or the session it ends
   * or keeps alive) that is not the caller's is a refusal the gate records. Null when fine.
   */
  private Future<Reply.Failure> sessionRefusal(Envelope envelope, Principal principal) {
    return sessionProblem(envelope, principal).compose(problem -> problem != null
        ? Future.succeededFuture((Reply.Failure) problem)
        : foreignSession(envelope, principal));
  }

  /** Ending or keeping alive a session is for its owner alone; anyone else hears it does not exist. */
  private Future<Reply.Failure> foreignSession(Envelope envelope, Principal principal) {
    Command command = envelope.command();
    String target = command instanceof SessionCommand.End end ? end.sessionId()
        : command instanceof SessionCommand.Heartbeat heartbeat ? heartbeat.sessionId() : null;
    if (target == null) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(SESSION_OWNER).execute(Tuple.of(UUID.fromString(target))).map(rows ->
        rows.size() > 0 && principal.id().equals(rows.iterator().next().getString("agent"))
            ? null
            : Reply.Failure.of(ErrorCode.NOT_FOUND, "you have no session " + target));
  }

  /** Records {@code refusal} (decision deny) and answers its failure. */
  private Future<Reply> refuse(Refusal refusal, Principal principal, JsonObject params, String outcome) {
    metrics.decision("deny", GATE);
    return pool.preparedQuery(AuditSql.INSERT)
        .execute(AuditContext.refusal(refusal, principal.type(), GATE, params, outcome))
        .map(done -> refusal.failure());
  }

  /** What the guardrails said: a refusal to answer instead, or the trust a claimant of the text needs. */
  private record Guarded(Reply refusal, int claimTrust) {
    static final Guarded PASSED = new Guarded(null, 0);
  }

  /**
   * ENF-5: an allowed read is a decision too, so it gets its audit row once it ran (a mutation's
   * row is written by its own statement). If the row cannot be written the caller hears so.
   */
  private Future<Reply> auditRead(Envelope envelope, Principal principal, Decision decision, Reply reply) {
    return auditOutcome(envelope, principal, decision, reply instanceof Reply.Success ? "ok" : "error",
        reply instanceof Reply.Failure failure ? new JsonObject().put("error", failure.code().name()) : null)
        .map(done -> reply);
  }

  private Future<?> auditOutcome(Envelope envelope, Principal principal, Decision decision, String outcome,
                                 JsonObject result) {
    Command command = envelope.command();
    var audit = AuditContext.tuple(envelope, principal.type(), decision)
        .addString(command.actionName())
        .addString(command.resource())
        .addString(outcome)
        .addValue(result);
    return pool.preparedQuery(AuditSql.INSERT).execute(audit);
  }

  /**
   * ENF-3, ENF-4: checks the text a command carries against the guardrails, for the caller's
   * trust, on a worker thread, and records every match. A GUARDRAIL_BLOCKED refusal (audited as
   * the request's denial) when a blocking pattern matched and trust does not bypass it; a denial
   * when the check itself failed or ran out of time (fail closed); else the trust a claimant of
   * the text needs.
   */
  private Future<Guarded> guard(Envelope envelope, Principal principal, Decision decision) {
    Command command = envelope.command();
    var text = GuardedText.of(command);
    if (text.isEmpty() || command instanceof PolicyCommand) {
      return Future.succeededFuture(Guarded.PASSED);
    }
    return guardrails.check(vertx, text.get(), principal.trust()).compose(
        violations -> judge(envelope, principal, decision, violations)
            .map(refusal -> new Guarded(refusal, guardrails.trustNeeded(violations))),
        error -> {
          LOG.warn("guardrail check failed; denying: {}", error.getMessage());
          return deny(envelope, principal, new Decision(false, false,
              "the guardrail check failed, so the request is denied: " + error.getMessage(), decision.engine(), List.of()))
              .map(refusal -> new Guarded(refusal, Guardrails.NEVER));
        });
  }

  /** Records the matches; the GUARDRAIL_BLOCKED refusal when one blocks, else null. */
  private Future<Reply> judge(Envelope envelope, Principal principal, Decision decision,
                              List<Guardrails.Violation> violations) {
    Command command = envelope.command();
    if (violations.isEmpty()) {
      return Future.succeededFuture();
    }
    boolean blocked = violations.stream().anyMatch(Guardrails.Violation::blocked) && enforcement == Enforcement.ENFORCE;
    violations.forEach(violation -> metrics.guardrailMatch(violation.category(), violation.severity(),
        violation.blocked() && blocked));
    if (!blocked) {
      return GuardrailRecord.write(pool, envelope, principal, decision, GuardrailRecord.MATCH_ACTION, "ok", violations)
          .map(done -> null);
    }
    String reason = "blocked by guardrails " + violations.stream().filter(Guardrails.Violation::blocked)
        .map(Guardrails.Violation::pattern).distinct().toList() + " for trust " + principal.trust();
    Decision denial = new Decision(false, false, reason, decision.engine(), decision.policies());
    Reply reply = new Reply.Failure(ErrorCode.GUARDRAIL_BLOCKED, reason,
        new JsonObject().put("violations", Guardrails.Violation.toJson(violations)));
    return GuardrailRecord.write(pool, envelope, principal, denial, command.actionName(), "blocked", violations)
        .map(done -> reply);
  }

  private Future<Reply> forward(Authorized authorized) {
    Command command = authorized.command();
    DeliveryOptions delivery = LocalDelivery.options().setSendTimeout(DOMAIN_TIMEOUT_MS + command.waitMs());
    return vertx.eventBus().<Reply>request(Commands.addressOf(command), authorized, delivery)
        .map(Message::body)
        .recover(error -> Future.succeededFuture(domainFailure(error, command)));
  }

  /**
   * A {@code Coordinator-Session} must be the caller's own live session: locks and claims taken
   * in it are released when it ends, so nobody may tie work to someone else's session, or to one
   * that is gone. Null when the request is fine.
   */
  private Future<Reply> sessionProblem(Envelope envelope, Principal principal) {
    if (envelope.sessionId() == null) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(SESSION_OWNER).execute(Tuple.of(UUID.fromString(envelope.sessionId()))).map(rows -> {
      Row session = rows.size() == 0 ? null : rows.iterator().next();
      if (session == null || !principal.id().equals(session.getString("agent"))) {
        return CoordinatorException.invalid(SESSION_FIELD, "you have no session " + envelope.sessionId()).failure();
      }
      if (!"active".equals(session.getString("status"))) {
        return CoordinatorException.invalid(SESSION_FIELD, "session " + envelope.sessionId() + " has ended; start a new one")
            .failure();
      }
      return null;
    });
  }

  private Decision enforce(Decision decision) {
    if (decision.allowed() || enforcement == Enforcement.ENFORCE) {
      return decision;
    }
    return new Decision(true, true, "shadow: " + decision.reason(), decision.engine(), decision.policies());
  }

  private Future<Reply> deny(Envelope envelope, Principal principal, Decision decision) {
    Command command = envelope.command();
    var audit = AuditContext.tuple(envelope, principal.type(), decision)
        .addString(command.actionName())
        .addString(command.resource())
        .addString("denied")
        .addValue(null);
    Reply denial = new Reply.Failure(ErrorCode.POLICY_DENIED, decision.reason(), new JsonObject()
        .put("reason", decision.reason())
        .put("engine", decision.engine())
        .put("policies", new JsonArray(decision.policies())));
    return pool.preparedQuery(AuditSql.INSERT).execute(audit).map(done -> denial);
  }

  private static Reply domainFailure(Throwable error, Command command) {
    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      return Reply.Failure.of(ErrorCode.TIMEOUT,
          command.actionName() + " did not finish in time; the outcome is unknown, retry with the same Idempotency-Key");
    }
    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return Reply.Failure.of(ErrorCode.UNAVAILABLE, command.actionName() + " is not available on this node");
    }
    return SqlFailures.toFailure(error, command.mutates());
  }
}
