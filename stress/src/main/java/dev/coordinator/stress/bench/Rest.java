package dev.coordinator.stress.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;

/** REST calls of one agent to one node over a shared keep-alive pool (one connection per busy client). */
record Rest(HttpClientAgent http, URI node, String key) {

  /** The answer's JSON; fails on anything but 2xx. */
  Future<JsonObject> post(String path, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(node.getHost()).setPort(node.getPort())
        .setURI(path).putHeader("Authorization", "Bearer " + key).putHeader("Content-Type", "application/json");
    return http.request(options)
        .compose(request -> request.send(Buffer.buffer(body.encode())))
        .compose(response -> response.body().map(answer -> {
          if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + answer);
          }
          return answer.length() == 0 ? new JsonObject() : answer.toJsonObject();
        }));
  }
}
