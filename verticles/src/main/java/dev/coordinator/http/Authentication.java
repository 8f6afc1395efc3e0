package dev.coordinator.http;

import dev.coordinator.agent.ApiKeys;
import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authenticate;
import dev.coordinator.bus.CoordinatorException;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import dev.coordinator.cluster.LocalDelivery;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.List;

/**
 * Resolves {@code Authorization: Bearer <key>} to the agent that owns the key, via the policy
 * verticle, which looks the key up by its SHA-256 hash: no stored key is ever compared as text,
 * so timing reveals nothing about one. It runs before the body is read, so a caller without a
 * key cannot make the server read or buffer one; unknown keys are throttled per address
 * ({@link AuthThrottle}) and audited by the policy verticle.
 */
final class Authentication implements Handler<RoutingContext> {
  static final String PRINCIPAL = "principal";
  private static final String SCHEME = "bearer ";
  private static final int MAX_KEY = 512;

  private final EventBus bus;
  private final AuthThrottle throttle;

  Authentication(EventBus bus, AuthThrottle throttle) {
    this.bus = bus;
    this.throttle = throttle;
  }

  static Principal principal(RoutingContext context) {
    return context.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext context) {
    HttpServerRequest request = context.request();
    if (!request.isEnded()) {
      request.pause();
    }
    List<String> headers = request.headers().getAll("Authorization");
    if (headers.size() > 1) {
      Responses.unread(context, CoordinatorException.invalid("Authorization", "send one Authorization header").failure());
      return;
    }
    String header = headers.isEmpty() ? null : headers.get(0);
    if (header == null || header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      Responses.unread(context, Reply.Failure.of(ErrorCode.UNAUTHENTICATED, "send your API key as Authorization: Bearer <key>"));
      return;
    }
    String key = header.substring(SCHEME.length()).trim();
    if (key.isEmpty() || key.length() > MAX_KEY) {
      Responses.unread(context, Reply.Failure.of(ErrorCode.UNAUTHENTICATED, "unknown API key"));
      return;
    }
    String address = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    String digest = Base64.getEncoder().encodeToString(ApiKeys.hash(key));
    long retryAfter = throttle.retryAfterSeconds(address, digest, System.currentTimeMillis());
    if (retryAfter > 0) {
      context.response().putHeader("Retry-After", Long.toString(retryAfter));
      Responses.unread(context, Reply.Failure.of(ErrorCode.UNAUTHENTICATED,
          "too many unknown API keys from " + address + "; try again in " + retryAfter + " s"));
      return;
    }
    bus.<Reply>request(Addresses.AUTHENTICATE, new Authenticate(digest, address, context.get(HttpVerticle.REQUEST_ID)),
        LocalDelivery.options())
        .map(Message::body)
        .onFailure(error -> Responses.unread(context, Reply.Failure.of(ErrorCode.UNAVAILABLE,
            "authentication is unavailable; try again")))
        .onSuccess(reply -> {
          if (reply instanceof Reply.Success success && success.payload() instanceof Principal principal) {
            throttle.succeeded(digest);
            context.put(PRINCIPAL, principal);
            context.next();
          } else {
            Reply.Failure failure = (Reply.Failure) reply;
            if (failure.code() == ErrorCode.UNAUTHENTICATED) {
              throttle.failed(address, System.currentTimeMillis());
            }
            Responses.unread(context, failure);
          }
        });
  }
}
