package dev.coordinator.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * {@code GET /} and {@code GET /dashboard/*}: the live dashboard's static files, from the jar
 * ({@code dashboard/} on the class path). The page holds no data: it asks the REST read
 * endpoints with the key the operator gives it, so it needs no key itself. The content policy
 * lets it load and talk to this origin only (no inline script, no third party).
 */
final class DashboardPage implements Handler<RoutingContext> {
  private static final String CONTENT_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final StaticHandler files = StaticHandler.create("dashboard")
      .setCachingEnabled(false)
      .setDirectoryListing(false);

  @Override
  public void handle(RoutingContext context) {
    context.response()
        .putHeader("Content-Security-Policy", CONTENT_POLICY)
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Cache-Control", "no-cache");
    files.handle(context);
  }
}
