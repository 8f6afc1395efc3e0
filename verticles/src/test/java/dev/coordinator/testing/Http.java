package dev.coordinator.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A plain HTTP/1.1 client for the REST API (the JDK's, so tests share no code with the service).
 * HTTP/1.1 because JDK 17's client fails streams still in flight when an HTTP/2 server says GOAWAY.
 */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final String base;

  public Http(int port) {
    this("127.0.0.1", port);
  }

  /** A client of the service at {@code host} (an IPv4 address or a name), e.g. one of this machine's other addresses. */
  public Http(String host, int port) {
    this.base = "http://" + host + ":" + port;
  }

  /** A response: status, headers and the body parsed as a JSON object when it is one. */
  public record Response(int status, Map<String, java.util.List<String>> headers, String text) {
    public JsonObject json() {
      return new JsonObject(text);
    }

    /** The {@code error.code} of an error body. */
    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    public Optional<String> header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst();
    }

    @Override
    public String toString() {
      return status + " " + text;
    }
  }

  public Response post(String path, String key, JsonObject body) {
    return send("POST", path, key, body.encode());
  }

  public Response get(String path, String key) {
    return send("GET", path, key, null);
  }

  public Response send(String method, String path, String key, String body, String... headers) {
    return send(Duration.ofSeconds(90), method, path, key, body, headers);
  }

  /** A request given up (an {@link UncheckedIOException}) after {@code timeout}. */
  public Response send(Duration timeout, String method, String path, String key, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase("Content-Type")) {
        request.setHeader(headers[i], headers[i + 1]);
      } else {
        request.header(headers[i], headers[i + 1]);
      }
    }
    try {
      HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
