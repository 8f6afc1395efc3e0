package dev.coordinator.http;

import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Payload;
import dev.coordinator.bus.Reply;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Writes bodies of the API contract: results, and the error envelope of api.md §3. */
final class Responses {
  static final String BEARER_CHALLENGE = "Bearer realm=\"coordinator\"";

  private Responses() {
  }

  static void reply(RoutingContext context, int successStatus, Reply reply) {
    if (reply instanceof Reply.Failure failure) {
      failure(context, failure);
    } else {
      json(context, successStatus, ((Reply.Success) reply).payload().toJson());
    }
  }

  static void success(RoutingContext context, int status, Payload payload) {
    json(context, status, payload.toJson());
  }

  static void failure(RoutingContext context, Reply.Failure failure) {
    if (failure.code() == ErrorCode.UNAUTHENTICATED) {
      context.response().putHeader("WWW-Authenticate", BEARER_CHALLENGE);
    }
    json(context, failure.code().httpStatus(), failure.toJson());
  }

  static void json(RoutingContext context, int status, JsonObject body) {
    HttpServerResponse response = context.response();
    if (response.ended()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.toBuffer());
  }
}
