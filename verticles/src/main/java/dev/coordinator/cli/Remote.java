package dev.coordinator.cli;

import dev.coordinator.config.EnvOption;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A running service as the operator commands reach it: over REST (api.md §5, §9), with the key of
 * {@code COORDINATOR_KEY}. Every way of not getting an answer becomes a {@link CommandFailure}
 * with the exit code scripts can tell apart.
 */
final class Remote {
  static final EnvOption URL = new EnvOption("--url", "COORDINATOR_URL", "http://127.0.0.1:8080", "URL",
      "the running service");
  static final EnvOption KEY = new EnvOption("--key", "COORDINATOR_KEY", null, "KEY",
      "an agent's API key (prefer the variable: a flag shows in ps)");
  static final List<EnvOption> OPTIONS = List.of(URL, KEY);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final String key;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

  private Remote(URI base, String key) {
    this.base = base;
    this.key = key;
  }

  /** The service and key {@code command} was given (flags, else the environment, else the defaults). */
  static Remote of(CommandSpec command) {
    String url = URL.valueIn(command).trim();
    String key = KEY.valueIn(command);
    if (key == null || key.isBlank()) {
      throw new CommandFailure(ExitCodes.USAGE, "no key: set COORDINATOR_KEY (or --key) to an agent's API key");
    }
    URI base;
    try {
      base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(ExitCodes.USAGE, "COORDINATOR_URL/--url is not a URL: " + url);
    }
    if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
      throw new CommandFailure(ExitCodes.USAGE, "COORDINATOR_URL/--url must be an http(s) URL, not " + url);
    }
    return new Remote(base, key.trim());
  }

  /** {@code GET /health}, which answers 503 with a body when the database is down. */
  JsonObject health() {
    return send("/health").body();
  }

  /** {@code GET pathAndQuery} with the key; anything but 200 is a failure. */
  JsonObject get(String pathAndQuery) {
    Answer answer = send(pathAndQuery);
    if (answer.status() == 200) {
      return answer.body();
    }
    JsonObject error = answer.body().getJsonObject("error", new JsonObject());
    String why = error.getString("code", "HTTP " + answer.status()) + ": " + error.getString("message", "");
    if (answer.status() == 401) {
      throw new CommandFailure(ExitCodes.REFUSED, "the coordinator does not know this key (" + why
          + "); check COORDINATOR_KEY");
    }
    if (answer.status() == 403) {
      throw new CommandFailure(ExitCodes.REFUSED, "the coordinator refused GET " + pathAndQuery + " for this key (" + why + ")");
    }
    throw new CommandFailure(ExitCodes.USAGE, "GET " + pathAndQuery + " failed: " + why);
  }

  private record Answer(int status, JsonObject body) {
  }

  private Answer send(String pathAndQuery) {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(base.getPath() + pathAndQuery))
        .timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + key)
        .header("Accept", "application/json")
        .GET().build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CommandFailure(ExitCodes.USAGE, "cannot reach the coordinator at " + base + " ("
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "); is it running? set COORDINATOR_URL");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure(ExitCodes.USAGE, "interrupted while waiting for " + base);
    }
    try {
      return new Answer(response.statusCode(), new JsonObject(response.body()));
    } catch (DecodeException | ClassCastException e) {
      throw new CommandFailure(ExitCodes.USAGE, base + " answered HTTP " + response.statusCode()
          + " without a JSON body; is it the coordinator?");
    }
  }
}
