package dev.coordinator.mcp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code bin/coordinator mcp-stdio}: for MCP clients that only launch stdio servers. Reads one
 * JSON-RPC message per line from stdin, posts it to the service's Streamable HTTP endpoint with
 * the key from the environment, and writes each answer as one line on stdout. The session id the
 * service hands out on initialize is kept and sent along; notifications get no line back. When
 * the service has ended the session (404), the bridge initializes again with the client's own
 * initialize and sends the message once more, so the client never notices.
 */
public final class StdioBridge {
  public static final String URL_VARIABLE = "COORDINATOR_URL";
  public static final String KEY_VARIABLE = "COORDINATOR_KEY";
  private static final String DEFAULT_URL = "http://127.0.0.1:8080";
  private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final URI endpoint;
  private final String key;
  private final PrintStream out;
  private String session;
  /** The client's initialize, sent again when the service has ended the session. */
  private String initialize;

  StdioBridge(URI endpoint, String key, PrintStream out) {
    this.endpoint = endpoint;
    this.key = key;
    this.out = out;
  }

  /** Runs until stdin closes; returns the process exit status. */
  public static int run(java.util.Map<String, String> env) throws IOException, InterruptedException {
    String key = env.get(KEY_VARIABLE);
    if (key == null || key.isBlank()) {
      System.err.println("coordinator mcp-stdio: set " + KEY_VARIABLE + " to your API key (and " + URL_VARIABLE
          + ", default " + DEFAULT_URL + ")");
      return 2;
    }
    String base = env.getOrDefault(URL_VARIABLE, DEFAULT_URL).replaceAll("/+$", "");
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    new StdioBridge(URI.create(base + "/mcp"), key.trim(), out).relay(
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    return 0;
  }

  void relay(BufferedReader in) throws IOException, InterruptedException {
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.isBlank()) {
        forward(line);
      }
    }
    if (session != null) {
      client.send(request().DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }
  }

  private void forward(String message) throws IOException, InterruptedException {
    HttpResponse<String> response = post(message);
    if (response.statusCode() == 404 && session != null && initialize != null) {
      // The service ended the session (reaped after a silence, say): MCP wants the client to
      // initialize again, but a stdio client never sees HTTP sessions, so the bridge does it.
      session = null;
      post(initialize);
      post(INITIALIZED);
      response = post(message);
    }
    String body = response.body();
    if (!body.isBlank()) {
      out.println(body.replace("\n", ""));
    }
  }

  /** Posts one message; the session id handed out on initialize is kept, and so is that initialize. */
  private HttpResponse<String> post(String message) throws IOException, InterruptedException {
    boolean opening = session == null;
    HttpRequest post = request().header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(message, StandardCharsets.UTF_8)).build();
    HttpResponse<String> response = client.send(post, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    response.headers().firstValue(McpHttp.SESSION_HEADER).ifPresent(id -> {
      session = id;
      if (opening && initialize == null) {
        initialize = message;
      }
    });
    return response;
  }

  private HttpRequest.Builder request() {
    HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(120))
        .header("Authorization", "Bearer " + key).header("Accept", "application/json, text/event-stream");
    if (session != null) {
      builder.header(McpHttp.SESSION_HEADER, session);
    }
    return builder;
  }
}
