package dev.coordinator.http;

import dev.coordinator.bus.ErrorCode;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One log line per answered request, its fields as key-value pairs the JSON encoder writes
 * (logback.xml): request id, agent, action, outcome, HTTP status, duration. Nothing from the
 * request's headers or body goes in: no key, no key hash, no task input.
 */
final class RequestLog {
  private static final Logger LOG = LoggerFactory.getLogger(RequestLog.class);
  private static final String ACTION = "log-action";
  private static final String OUTCOME = "log-outcome";

  private RequestLog() {
  }

  /** The action the request attempted, as the audit trail names it. */
  static void action(RoutingContext context, String action) {
    context.put(ACTION, action);
  }

  /** The error code the request was answered with. */
  static void outcome(RoutingContext context, ErrorCode code) {
    context.put(OUTCOME, code.name().toLowerCase(Locale.ROOT));
  }

  static void answered(RoutingContext context, String requestId, long nanos) {
    var principal = Authentication.principal(context);
    int status = context.response().getStatusCode();
    String action = context.get(ACTION);
    String outcome = context.get(OUTCOME);
    LoggingEventBuilder line = LOG.atInfo().setMessage("request answered").addKeyValue("request_id", requestId);
    if (principal != null) {
      line = line.addKeyValue("agent", principal.id());
    }
    line.addKeyValue("action", action != null ? action : context.request().method() + " " + context.request().path())
        .addKeyValue("outcome", outcome != null ? outcome : status < 400 ? "ok" : "http_" + status)
        .addKeyValue("status", status)
        .addKeyValue("duration_ms", nanos / 1_000_000)
        .log();
  }
}
