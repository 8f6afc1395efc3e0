package dev.coordinator.http;

import dev.coordinator.bus.Addresses;
import io.vertx.core.json.JsonObject;
import dev.coordinator.bus.Command;
import dev.coordinator.bus.Commands;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Health;
import dev.coordinator.bus.Refusal;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.audit.AuditRequests;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.bus.session.SessionCommand;
import dev.coordinator.bus.task.TaskCommand;
import dev.coordinator.bus.handoff.HandoffRequests;
import dev.coordinator.bus.JsonArgs;
import dev.coordinator.bus.lock.LockRequests;
import dev.coordinator.bus.policy.PolicyCommand;
import dev.coordinator.bus.policy.PolicyRequests;
import dev.coordinator.bus.memory.MemoryRequests;
import dev.coordinator.bus.session.SessionRequests;
import dev.coordinator.bus.task.TaskRequests;
import dev.coordinator.cluster.LocalDelivery;
import dev.coordinator.config.CoordinatorConfig;
import dev.coordinator.mcp.McpHttp;
import dev.coordinator.metrics.Metrics;
import dev.coordinator.mcp.McpProtocol;
import dev.coordinator.mcp.McpSessions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST entry: authenticates the caller, turns a request into a typed command, sends it to
 * the policy verticle and writes the reply. It decides nothing itself.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  static final String REQUEST_ID = "request-id";
  private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  static final long SHUTDOWN_GRACE_SECONDS = 10;
  private static final Set<String> LOOPBACK_PEERS = Set.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1");

  private final CoordinatorConfig config;
  private final McpSessions mcpSessions;
  private McpHttp mcp;
  private final Metrics metrics;
  private final AuthThrottle authThrottle;
  /** Built at start: it is derived from code, so it cannot change while the service runs. */
  private JsonObject openApi;
  private Router router;
  private HttpServer server;

  public HttpVerticle(CoordinatorConfig config, McpSessions mcpSessions, Metrics metrics, AuthThrottle authThrottle) {
    this.config = config;
    this.mcpSessions = mcpSessions;
    this.metrics = metrics;
    this.authThrottle = authThrottle;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions().setHost(config.httpHost()).setPort(config.httpPort())
        .setWebSocketSubProtocols(List.of("mcp"))
        .setMaxWebSocketMessageSize((int) config.bodyLimitBytes());
    // Generating the document reflects over the reply records: on a cold JVM that takes the better
    // part of a second, too long for an event loop. It also makes the schemas the MCP tools use.
    return vertx.executeBlocking(OpenApiDocument::build, false).compose(document -> {
      openApi = document;
      router = router();
      server = vertx.createHttpServer(options).requestHandler(router);
      return vertx.eventBus().<JsonObject>localConsumer(Addresses.MCP_CANCELLED, notice -> mcp.cancelled(notice.body()))
          .completion().compose(registered -> server.listen());
    });
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }

  /** The routes this verticle serves, for checking /openapi.json against them. */
  public List<Route> routes() {
    return router.getRoutes();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(this::requestId);
    router.route().handler(new HostGuard(config.httpHost(), config.allowedHosts()));
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(this::metrics);
    DashboardPage dashboard = new DashboardPage();
    router.get("/").handler(dashboard);
    router.get("/dashboard/*").handler(dashboard);
    router.get("/openapi.json").handler(context -> Responses.json(context, 200, openApi));
    // The key first, the body after: Authentication pauses the request until the key is known.
    Authentication authentication = new Authentication(vertx.eventBus(), authThrottle);
    router.route("/v1/*").handler(authentication);
    router.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.bodyLimitBytes()));
    // An upgrade waits for the key check: the request stays unread so it can still become a WebSocket.
    router.route("/mcp").handler(authentication);
    // Not for GET: a WebSocket upgrade must reach its handler with the request unread.
    router.post("/mcp").handler(BodyHandler.create(false).setBodyLimit(config.bodyLimitBytes()));
    mcp = new McpHttp(new McpProtocol(vertx.eventBus(),
        Math.max(1_000L, config.sessionTimeoutSeconds() * 1_000L / 3)), mcpSessions, Authentication::principal,
        metrics::webSocket);
    router.post("/mcp").handler(mcp::post);
    router.delete("/mcp").handler(mcp::delete);
    router.get("/mcp").handler(mcp::get);

    router.post("/v1/locks/acquire").handler(command(LockCommand.Acquire.class,
        context -> LockRequests.acquire(RequestParts.object(context))));
    router.post("/v1/locks/release").handler(command(LockCommand.Release.class,
        context -> LockRequests.release(RequestParts.object(context))));
    router.post("/v1/locks/renew").handler(command(LockCommand.Renew.class,
        context -> LockRequests.renew(RequestParts.object(context))));
    router.post("/v1/locks/validate").handler(command(LockCommand.Validate.class,
        context -> LockRequests.validate(RequestParts.object(context))));
    router.get("/v1/locks").handler(command(LockCommand.Check.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of("key"), Set.of("key"));
      return LockRequests.check(context.queryParam("key"));
    }));
    router.post("/v1/tasks").handler(command(TaskCommand.Submit.class, 201,
        context -> TaskRequests.submit(RequestParts.object(context))));
    router.post("/v1/tasks/claim").handler(command(TaskCommand.Claim.class,
        context -> TaskRequests.claim(RequestParts.object(context))));
    router.post("/v1/tasks/:task/complete").handler(command(TaskCommand.Complete.class, context ->
        TaskRequests.complete(context.pathParam("task"), RequestParts.object(context))));
    router.post("/v1/tasks/:task/renew").handler(command(TaskCommand.Renew.class, context ->
        TaskRequests.renew(context.pathParam("task"), RequestParts.object(context))));
    router.post("/v1/tasks/:task/cancel").handler(command(TaskCommand.Cancel.class, context ->
        TaskRequests.cancel(context.pathParam("task"), RequestParts.object(context))));
    router.get("/v1/tasks/:task").handler(command(TaskCommand.Get.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of(), Set.of());
      return TaskRequests.get(context.pathParam("task"));
    }));
    router.get("/v1/tasks").handler(command(TaskCommand.ListTasks.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of("status", "task_type", "limit"), Set.of());
      return TaskRequests.list(RequestParts.queryParam(context, "status"), RequestParts.queryParam(context, "task_type"),
          RequestParts.queryParam(context, "limit"));
    }));
    router.post("/v1/sessions").handler(command(SessionCommand.Register.class, 201,
        context -> SessionRequests.register(RequestParts.object(context))));
    router.post("/v1/sessions/:session/heartbeat").handler(command(SessionCommand.Heartbeat.class, context ->
        SessionRequests.heartbeat(context.pathParam("session"), RequestParts.object(context))));
    router.delete("/v1/sessions/:session").handler(command(SessionCommand.End.class,
        context -> SessionRequests.end(context.pathParam("session"))));
    router.get("/v1/agents").handler(command(SessionCommand.Discover.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of("capability", "status"), Set.of());
      return SessionRequests.discover(RequestParts.queryParam(context, "capability"), RequestParts.queryParam(context, "status"));
    }));
    router.post("/v1/handoffs").handler(command(HandoffCommand.Write.class, 201,
        context -> HandoffRequests.write(RequestParts.object(context))));
    router.get("/v1/handoffs").handler(command(HandoffCommand.Read.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of("agent", "limit"), Set.of());
      return HandoffRequests.read(RequestParts.queryParam(context, "agent"), RequestParts.queryParam(context, "limit"));
    }));
    router.post("/v1/memories").handler(command(MemoryCommand.Remember.class, 201,
        context -> MemoryRequests.remember(RequestParts.object(context))));
    router.get("/v1/memories").handler(command(MemoryCommand.Recall.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of("tag", "event_type", "limit"), Set.of("tag"));
      return MemoryRequests.recall(context.queryParam("tag"), RequestParts.queryParam(context, "event_type"),
          RequestParts.queryParam(context, "limit"));
    }));
    router.post("/v1/policy/check").handler(command(PolicyCommand.Check.class,
        context -> PolicyRequests.check(RequestParts.object(context))));
    router.post("/v1/policy/validate").handler(command(PolicyCommand.Validate.class,
        context -> PolicyRequests.validate(RequestParts.object(context))));
    router.post("/v1/policy/reload").handler(command(PolicyCommand.Reload.class,
        context -> JsonArgs.read(RequestParts.object(context), args -> new PolicyCommand.Reload())));
    router.post("/v1/guardrails/check").handler(command(PolicyCommand.CheckGuardrails.class,
        context -> PolicyRequests.checkGuardrails(RequestParts.object(context))));
    router.get("/v1/profile").handler(command(PolicyCommand.Profile.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of(), Set.of());
      return new PolicyCommand.Profile();
    }));
    router.get("/v1/audit").handler(command(AuditCommand.Query.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of("agent", "action", "since", "limit"), Set.of());
      return AuditRequests.query(RequestParts.queryParam(context, "agent"), RequestParts.queryParam(context, "action"),
          RequestParts.queryParam(context, "since"), RequestParts.queryParam(context, "limit"));
    }));
    router.get("/v1/events").handler(new EventStream(vertx));
    router.get("/v1/audit/verify").handler(command(AuditCommand.Verify.class, context -> {
      RequestParts.onlyQueryParams(context, Set.of(), Set.of());
      return new AuditCommand.Verify();
    }));

    router.errorHandler(400, context -> failure(context, ErrorCode.VALIDATION_FAILED, "the request is malformed"));
    router.errorHandler(404, context -> failure(context, ErrorCode.NOT_FOUND,
        "no endpoint " + context.request().method() + " " + context.request().path()));
    router.errorHandler(405, context -> failure(context, ErrorCode.METHOD_NOT_ALLOWED,
        context.request().method() + " is not allowed on " + context.request().path()));
    router.errorHandler(413, context -> Responses.unread(context, Reply.Failure.of(ErrorCode.PAYLOAD_TOO_LARGE,
        "the body is larger than " + config.bodyLimitBytes() + " bytes")));
    router.errorHandler(500, this::internalError);
    return router;
  }

  private void requestId(RoutingContext context) {
    String given = context.request().getHeader("X-Request-Id");
    String requestId = given != null && CLIENT_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    context.put(REQUEST_ID, requestId);
    context.response().putHeader("X-Request-Id", requestId);
    long started = System.nanoTime();
    context.addEndHandler(done -> RequestLog.answered(context, requestId, System.nanoTime() - started));
    context.next();
  }

  /**
   * Prometheus text, for scrapers on this machine only unless {@code --metrics-public}: elsewhere
   * the endpoint does not exist.
   */
  private void metrics(RoutingContext context) {
    String peer = context.request().remoteAddress().hostAddress();
    if (!config.metricsPublic() && !LOOPBACK_PEERS.contains(peer)) {
      failure(context, ErrorCode.NOT_FOUND, "no endpoint GET /metrics");
      return;
    }
    // Rendering walks every meter: off the event loop.
    vertx.executeBlocking(metrics::scrape, false)
        .onSuccess(text -> context.response().putHeader("Content-Type", Metrics.CONTENT_TYPE).end(text))
        .onFailure(context::fail);
  }

  private void health(RoutingContext context) {
    vertx.eventBus().<Reply>request(Addresses.HEALTH, new Health(), LocalDelivery.options())
        .map(Message::body)
        .otherwise(error -> Reply.success(new Health.Status(false, null, null)))
        .onSuccess(reply -> {
          Health.Status status = (Health.Status) ((Reply.Success) reply).payload();
          Responses.success(context, status.databaseUp() ? 200 : 503, status);
        });
  }

  /**
   * A route that builds a command of {@code type} from the request and sends it through the policy
   * verticle. A request that cannot become one is refused through the policy verticle too, naming
   * the action it attempted, so the refusal is audited (HARD-2).
   */
  private <C extends Command> Handler<RoutingContext> command(Class<C> type, Function<RoutingContext, C> build) {
    return command(type, 200, build);
  }

  /** As above, answering {@code successStatus} (201 for a creation) when the command succeeds. */
  private <C extends Command> Handler<RoutingContext> command(Class<C> type, int successStatus,
                                                              Function<RoutingContext, C> build) {
    String action = Commands.action(type).value();
    return context -> {
      RequestLog.action(context, action);
      Envelope envelope;
      try {
        Command command = build.apply(context);
        envelope = new Envelope(Authentication.principal(context).id(), RequestParts.session(context),
            context.get(REQUEST_ID), RequestParts.idempotencyKey(context), command);
      } catch (CoordinatorException e) {
        PolicyClient.refuse(vertx.eventBus(), new Refusal(Authentication.principal(context).id(), readableSession(context),
                context.get(REQUEST_ID), action, e.failure()))
            .onSuccess(reply -> Responses.reply(context, successStatus, reply));
        return;
      }
      if (envelope.command().waitMs() > 0) {
        // A client that hangs up stops waiting: its acquire leaves the line, its claim takes no work.
        context.response().closeHandler(closed -> PolicyClient.cancelWaits(vertx.eventBus(), envelope.agentId(),
            envelope.sessionId(), envelope.requestId()));
      }
      PolicyClient.send(vertx.eventBus(), envelope)
          .onSuccess(reply -> Responses.reply(context, successStatus, reply));
    };
  }

  /** The request's session for the audit row of its refusal, if the header is readable. */
  private static String readableSession(RoutingContext context) {
    try {
      return RequestParts.session(context);
    } catch (CoordinatorException e) {
      return null;
    }
  }

  private static void failure(RoutingContext context, ErrorCode code, String message) {
    Responses.failure(context, Reply.Failure.of(code, message));
  }

  private void internalError(RoutingContext context) {
    String correlation = UUID.randomUUID().toString();
    LOG.error("internal error, correlation id {}, request {}", correlation, context.get(REQUEST_ID), context.failure());
    failure(context, ErrorCode.INTERNAL, "internal error, correlation id " + correlation);
  }
}
