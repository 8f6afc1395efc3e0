package dev.coordinator.http;

import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Reply;
import io.vertx.core.Handler;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The DNS-rebinding guard: a request whose {@code Host} or {@code Origin} names a host this
 * service does not answer to is refused before anything else looks at it. A missing
 * {@code Origin} (every non-browser client) is fine.
 */
final class HostGuard implements Handler<RoutingContext> {
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1", "[::1]");
  private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]");

  private final Set<String> allowed = new HashSet<>(LOOPBACK);

  HostGuard(String bindHost, List<String> allowedHosts) {
    if (!WILDCARDS.contains(bindHost)) {
      allowed.add(bindHost.toLowerCase(Locale.ROOT));
    }
    allowedHosts.forEach(host -> allowed.add(host.toLowerCase(Locale.ROOT)));
  }

  @Override
  public void handle(RoutingContext context) {
    if (context.request().headers().getAll("Host").size() > 1) {
      // Which Host counts would depend on who reads the request: a proxy may honour another than we do.
      Responses.failure(context, CoordinatorException.invalid("Host", "send one Host header").failure());
      return;
    }
    HostAndPort authority = context.request().authority();
    String origin = context.request().getHeader("Origin");
    if (authority != null && !allowed(authority.host())) {
      refuse(context, "Host " + authority.host() + " is not served here");
    } else if (origin != null && !allowed(originHost(origin))) {
      refuse(context, "Origin " + origin + " is not allowed");
    } else {
      context.next();
    }
  }

  private boolean allowed(String host) {
    return host != null && allowed.contains(host.toLowerCase(Locale.ROOT));
  }

  private static String originHost(String origin) {
    try {
      return new URI(origin).getHost();
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static void refuse(RoutingContext context, String message) {
    Responses.failure(context, Reply.Failure.of(ErrorCode.FOREIGN_ORIGIN,
        message + "; add it to --allowed-hosts if this service should answer to it"));
  }
}
