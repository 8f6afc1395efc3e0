package dev.coordinator;

import dev.coordinator.audit.AuditSealer;
import dev.coordinator.audit.AuditVerticle;
import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.BusCodec;
import dev.coordinator.cluster.Node;
import dev.coordinator.cluster.NodeVerticle;
import dev.coordinator.config.CoordinatorConfig;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.HealthVerticle;
import dev.coordinator.db.Pools;
import dev.coordinator.db.ServiceLogin;
import dev.coordinator.domain.IdempotencyRetention;
import dev.coordinator.handoff.HandoffVerticle;
import dev.coordinator.http.AuthThrottle;
import dev.coordinator.http.HttpVerticle;
import dev.coordinator.memory.MemoryVerticle;
import dev.coordinator.session.SessionVerticle;
import dev.coordinator.lock.LockVerticle;
import dev.coordinator.mcp.McpSessions;
import dev.coordinator.metrics.Metrics;
import dev.coordinator.policy.CedarPolicies;
import dev.coordinator.policy.CedarPolicyEngine;
import dev.coordinator.policy.DomainGate;
import dev.coordinator.policy.Guardrails;
import dev.coordinator.policy.NativePolicyEngine;
import dev.coordinator.policy.PolicyEngine;
import dev.coordinator.policy.PolicyVerticle;
import dev.coordinator.task.QueueVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The service on one Vert.x instance: the bus vocabulary and its gate, then the policy and
 * domain verticles, and last the HTTP entry, so no request arrives before its handlers exist.
 * Closing undeploys in reverse: the entry first, which lets in-flight requests finish.
 */
public final class Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
  private final Vertx vertx;
  private final String httpDeployment;
  private final List<String> innerDeployments;
  private final DatabaseUrl database;
  private final long mcpExpiry;
  /** The MCP sessions' connections (the HTTP verticle's instances share them). */
  private final Pool mcpPool;

  private Coordinator(Vertx vertx, String httpDeployment, List<String> innerDeployments, DatabaseUrl database,
                      long mcpExpiry, Pool mcpPool) {
    this.mcpPool = mcpPool;
    this.vertx = vertx;
    this.httpDeployment = httpDeployment;
    this.innerDeployments = innerDeployments;
    this.database = database;
    this.mcpExpiry = mcpExpiry;
  }

  /** The database as the service's connections log in to it. */
  public DatabaseUrl database() {
    return database;
  }

  /**
   * Deploys the service on {@code configured}: the URL of the configuration, which may name an
   * administrator; the service's own connections then log in as this node's plain service login
   * ({@link ServiceLogin}).
   */
  public static Future<Coordinator> deploy(Node node, CoordinatorConfig config, DatabaseUrl configured) {
    return node.vertx().executeBlocking(() -> ServiceLogin.prepare(configured, ServiceLogin.roleName(config.httpPort())))
        .compose(database -> deployOn(node, config, database));
  }

  private static Future<Coordinator> deployOn(Node node, CoordinatorConfig config, DatabaseUrl database) {
    Vertx vertx = node.vertx();
    BusCodec.register(vertx.eventBus());
    Object stamp = new Object();
    vertx.eventBus().addInboundInterceptor(new DomainGate(stamp));
    PolicyEngine engine;
    try {
      engine = engine(config);
    } catch (CedarPolicies.InvalidPolicies e) {
      return Future.failedFuture(new IllegalArgumentException("the policy set does not validate: " + e.getMessage()));
    }
    int poolSize = config.dbPoolSize();
    Guardrails guardrails = new Guardrails();
    Pool mcpPool = Pools.create(vertx, database, poolSize);
    McpSessions mcpSessions = new McpSessions(mcpPool, config.mcpSessionsPerAgent(), config.sessionTimeoutSeconds() * 1_000L);
    AuthThrottle authThrottle = new AuthThrottle();
    Metrics metrics = node.metrics();
    metrics.mcpSessions(mcpSessions::size);
    List<String> inner = new ArrayList<>();
    return vertx.deployVerticle(new HealthVerticle(database, poolSize, node)).onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new NodeVerticle(database, node, config.sessionTimeoutSeconds(), config.sweepIntervalMs())))
        .onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new PolicyVerticle(database, poolSize, engine, config.enforcement(), stamp, guardrails, metrics)))
        .onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new LockVerticle(database, poolSize, node.id(), metrics))).onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new QueueVerticle(database, poolSize, node.id(), config.sweepIntervalMs(), metrics)))
        .onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new SessionVerticle(database, poolSize, config.sessionTimeoutSeconds(),
            config.sweepIntervalMs(), metrics)))
        .onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new HandoffVerticle(database, poolSize))).onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new MemoryVerticle(database, poolSize))).onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new AuditVerticle(database, poolSize,
            AuditSealer.overdueAfter(config.sweepIntervalMs())))).onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new AuditSealer(database, poolSize, config.sweepIntervalMs())))
        .onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(new IdempotencyRetention(database, poolSize, config.idempotencyRetentionHours(),
            config.sweepIntervalMs()))).onSuccess(inner::add)
        .compose(id -> vertx.deployVerticle(() -> new HttpVerticle(config, mcpSessions, metrics, authThrottle),
            new DeploymentOptions().setInstances(httpInstances())))
        .map(http -> new Coordinator(vertx, http, List.copyOf(inner), database,
            vertx.setPeriodic(config.sweepIntervalMs(), tick -> mcpSessions.expire()
                .onFailure(error -> LOG.debug("the MCP session sweep failed; the next one tries again", error))),
            mcpPool))
        .recover(error -> undeploy(vertx, inner).eventually(mcpPool::close).transform(ignored -> Future.failedFuture(error)));
  }

  /**
   * Ends every wait on this node (each waiting request makes its last attempt and is answered),
   * stops taking requests, lets in-flight ones finish, then stops the rest.
   */
  public Future<Void> close() {
    vertx.cancelTimer(mcpExpiry);
    vertx.eventBus().publish(Addresses.SHUTTING_DOWN, null, new DeliveryOptions().setLocalOnly(true));
    return vertx.undeploy(httpDeployment).transform(ignored -> undeploy(vertx, innerDeployments))
        .eventually(mcpPool::close);
  }

  private static Future<Void> undeploy(Vertx vertx, List<String> deployments) {
    List<Future<Void>> undeployed = deployments.stream().map(vertx::undeploy).toList();
    return Future.join(undeployed).mapEmpty();
  }

  private static PolicyEngine engine(CoordinatorConfig config) throws CedarPolicies.InvalidPolicies {
    return config.policyEngine() == CoordinatorConfig.PolicyEngineKind.CEDAR
        ? new CedarPolicyEngine(config.policyDir())
        : new NativePolicyEngine();
  }

  private static int httpInstances() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }
}
