package dev.coordinator.http;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authenticate;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.ext.web.RoutingContext;

/**
 * Resolves {@code Authorization: Bearer <key>} to the agent that owns the key, via the policy
 * verticle, which looks the key up by its SHA-256 hash: no stored key is ever compared as text,
 * so timing reveals nothing about one.
 */
final class Authentication implements Handler<RoutingContext> {
  static final String PRINCIPAL = "principal";
  private static final String SCHEME = "bearer ";
  private static final int MAX_KEY = 512;

  private final EventBus bus;

  Authentication(EventBus bus) {
    this.bus = bus;
  }

  static Principal principal(RoutingContext context) {
    return context.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext context) {
    String header = context.request().getHeader("Authorization");
    if (header == null || header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      Responses.failure(context, Reply.Failure.of(ErrorCode.UNAUTHENTICATED,
          "send your API key as Authorization: Bearer <key>"));
      return;
    }
    String key = header.substring(SCHEME.length()).trim();
    if (key.isEmpty() || key.length() > MAX_KEY) {
      Responses.failure(context, Reply.Failure.of(ErrorCode.UNAUTHENTICATED, "unknown API key"));
      return;
    }
    bus.<Reply>request(Addresses.AUTHENTICATE, new Authenticate(key))
        .map(Message::body)
        .onFailure(error -> Responses.failure(context, Reply.Failure.of(ErrorCode.UNAVAILABLE,
            "authentication is unavailable; try again")))
        .onSuccess(reply -> {
          if (reply instanceof Reply.Success success && success.payload() instanceof Principal principal) {
            context.put(PRINCIPAL, principal);
            context.next();
          } else {
            Responses.failure(context, (Reply.Failure) reply);
          }
        });
  }
}
