package dev.coordinator.http;

import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Payload;
import dev.coordinator.bus.Reply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes bodies of the API contract: results, and the error envelope of api.md §3. */
final class Responses {
  private static final Logger LOG = LoggerFactory.getLogger(Responses.class);
  static final String BEARER_CHALLENGE = "Bearer realm=\"coordinator\"";

  private Responses() {
  }

  static void reply(RoutingContext context, int successStatus, Reply reply) {
    if (reply instanceof Reply.Failure failure) {
      failure(context, failure);
    } else {
      success(context, successStatus, ((Reply.Success) reply).payload());
    }
  }

  static void success(RoutingContext context, int status, Payload payload) {
    JsonObject body;
    try {
      body = payload.toJson();
    } catch (RuntimeException e) {
      unencodable(context, e);
      return;
    }
    json(context, status, body);
  }

  static void failure(RoutingContext context, Reply.Failure failure) {
    RequestLog.outcome(context, failure.code());
    if (failure.code() == ErrorCode.UNAUTHENTICATED) {
      context.response().putHeader("WWW-Authenticate", BEARER_CHALLENGE);
    }
    json(context, failure.code().httpStatus(), failure.toJson());
  }

  /**
   * A refusal sent before the body was read (or while it still streams in): the rest is never read,
   * so over HTTP/1 the connection closes after the answer instead of waiting for it.
   */
  static void unread(RoutingContext context, Reply.Failure failure) {
    HttpServerRequest request = context.request();
    if (!request.isEnded() && request.version() != HttpVersion.HTTP_2) {
      context.response().putHeader("Connection", "close");
    }
    failure(context, failure);
  }

  static void json(RoutingContext context, int status, JsonObject body) {
    HttpServerResponse response = context.response();
    if (response.ended()) {
      return;
    }
    Buffer encoded;
    try {
      encoded = body.toBuffer();
    } catch (RuntimeException e) {
      unencodable(context, e);
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(encoded);
  }

  /**
   * A reply that cannot be written (say, a stored value beyond the encoder's limits) still gets an
   * answer: thrown inside a future's handler, the exception would be swallowed and the client would hang.
   */
  private static void unencodable(RoutingContext context, RuntimeException e) {
    String correlation = UUID.randomUUID().toString();
    LOG.error("a reply could not be encoded, correlation id {}", correlation, e);
    failure(context, Reply.Failure.of(ErrorCode.INTERNAL,
        "the reply could not be encoded, correlation id " + correlation));
  }
}
