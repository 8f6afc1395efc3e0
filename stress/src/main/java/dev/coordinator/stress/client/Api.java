package dev.coordinator.stress.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * REST calls of one agent to the service's nodes. A client talks to one node and moves to the next
 * when that node does not answer (killed, paused), as an agent with several addresses would.
 */
public final class Api implements Calls {
  /** Added to a request's own wait: how long a request may take before its outcome counts as unknown. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

  private final HttpClient http;
  private final List<URI> nodes;
  private final String key;
  private int node;

  public Api(HttpClient http, List<URI> nodes, String key, int firstNode) {
    this.http = http;
    this.nodes = nodes;
    this.key = key;
    this.node = Math.floorMod(firstNode, nodes.size());
  }

  /** An HTTP answer; {@code body} is empty when the answer was not JSON. */
  public record Reply(int status, JsonObject body) {
    public boolean success() {
      return status >= 200 && status < 300;
    }

    public String errorCode() {
      JsonObject error = body.getJsonObject("error");
      return error == null ? "HTTP_" + status : error.getString("code", "HTTP_" + status);
    }
  }

  @Override
  public Reply post(String path, JsonObject body, Map<String, String> headers, long waitMs)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(body.encode()))
        .header("Content-Type", "application/json"), path, headers, waitMs);
  }

  @Override
  public Reply get(String path, Map<String, String> headers) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder().GET(), path, headers, 0);
  }

  /** A GET that may take {@code extraMillis} longer than usual (verifying a long audit chain). */
  public Reply get(String path, long extraMillis) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder().GET(), path, Map.of(), extraMillis);
  }

  @Override
  public Reply delete(String path, Map<String, String> headers) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder().DELETE(), path, headers, 0);
  }

  @Override
  public int node() {
    return node;
  }

  @Override
  public String transport() {
    return "rest";
  }

  @Override
  public boolean auditedByRequestId() {
    return true;
  }

  private Reply send(HttpRequest.Builder builder, String path, Map<String, String> headers, long waitMs)
      throws IOException, InterruptedException {
    URI base = nodes.get(node);
    builder.uri(base.resolve(path)).timeout(REQUEST_TIMEOUT.plusMillis(waitMs)).header("Authorization", "Bearer " + key);
    headers.forEach(builder::header);
    try {
      HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Reply(response.statusCode(), json(response.body()));
    } catch (IOException e) {
      node = (node + 1) % nodes.size();
      throw e;
    }
  }

  static JsonObject json(String text) {
    try {
      return text == null || text.isBlank() ? new JsonObject() : new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }
}
