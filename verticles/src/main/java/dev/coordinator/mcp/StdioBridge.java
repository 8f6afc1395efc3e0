package dev.coordinator.mcp;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code bin/coordinator mcp-stdio}: for MCP clients that only launch stdio servers. Reads one
 * JSON-RPC message per line from stdin, posts it to the service's Streamable HTTP endpoint with
 * the key from the environment, and writes each answer as one line on stdout. The session id the
 * service hands out on initialize is kept and sent along; notifications get no line back. When
 * the service has ended the session (404), the bridge initializes again with the client's own
 * initialize and sends the message once more, so the client never notices.
 *
 * <p>{@code COORDINATOR_URL} may name several nodes of one cluster, comma-separated. The bridge
 * talks to one at a time; when it cannot connect to it (the node is gone), it sends the same
 * message to the next: any node serves the session, and if the session is gone too the bridge
 * initializes again as above. A message sent to a node that dropped the connection before
 * answering may or may not have been done, so it is not sent again: a request gets a JSON-RPC
 * error saying so, and the next message goes to the next node.
 */
public final class StdioBridge {
  public static final String URL_VARIABLE = "COORDINATOR_URL";
  public static final String KEY_VARIABLE = "COORDINATOR_KEY";
  private static final String DEFAULT_URL = "http://127.0.0.1:8080";
  private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final List<URI> endpoints;
  private final String key;
  private final PrintStream out;
  /** The node talked to now: an index into {@link #endpoints}. */
  private int current;
  private String session;
  /** The client's initialize, sent again when the service has ended the session. */
  private String initialize;

  public StdioBridge(List<URI> endpoints, String key, PrintStream out) {
    this.endpoints = List.copyOf(endpoints);
    this.key = key;
    this.out = out;
  }

  /** Runs until stdin closes; returns the process exit status. */
  public static int run(java.util.Map<String, String> env) throws IOException, InterruptedException {
    String key = env.get(KEY_VARIABLE);
    List<URI> endpoints = endpoints(env.getOrDefault(URL_VARIABLE, DEFAULT_URL));
    if (key == null || key.isBlank() || endpoints.isEmpty()) {
      System.err.println("coordinator mcp-stdio: set " + KEY_VARIABLE + " to your API key (and " + URL_VARIABLE
          + ", default " + DEFAULT_URL + "; several nodes' URLs comma-separated)");
      return 2;
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    new StdioBridge(endpoints, key.trim(), out).relay(
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    return 0;
  }

  /** The MCP endpoints of comma-separated base URLs, in order. */
  public static List<URI> endpoints(String urls) {
    return Arrays.stream(urls.split(",")).map(String::trim).filter(url -> !url.isEmpty())
        .map(url -> URI.create(url.replaceAll("/+$", "") + "/mcp")).toList();
  }

  public void relay(BufferedReader in) throws IOException, InterruptedException {
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.isBlank()) {
        forward(line);
      }
    }
    if (session != null) {
      send(() -> request().DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }
  }

  private void forward(String message) throws IOException, InterruptedException {
    HttpResponse<String> response;
    try {
      response = post(message);
      if (response.statusCode() == 404 && session != null && initialize != null) {
        // The service ended the session (reaped after a silence, say): MCP wants the client to
        // initialize again, but a stdio client never sees HTTP sessions, so the bridge does it.
        session = null;
        post(initialize);
        post(INITIALIZED);
        response = post(message);
      }
    } catch (ConnectException | HttpConnectTimeoutException noNode) {
      throw noNode;
    } catch (IOException lost) {
      unanswered(message, lost);
      return;
    }
    String body = response.body();
    if (!body.isBlank()) {
      out.println(body.replace("\n", ""));
    }
  }

  /**
   * A message whose node dropped the connection after it was sent: done or not, nobody can say,
   * so it is not sent again. A request hears so (a notification has nobody to tell); the next
   * message goes to the next node.
   */
  private void unanswered(String message, IOException lost) {
    current = (current + 1) % endpoints.size();
    Object id;
    try {
      id = new JsonObject(message).getValue("id");
    } catch (RuntimeException unreadable) {
      id = null;
    }
    if (id != null) {
      out.println(JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "the coordinator node dropped the connection before it"
          + " answered (" + lost + "); whether the request was done is unknown").encode());
    }
  }

  /** Posts one message; the session id handed out on initialize is kept, and so is that initialize. */
  private HttpResponse<String> post(String message) throws IOException, InterruptedException {
    boolean opening = session == null;
    HttpResponse<String> response = send(() -> request().header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(message, StandardCharsets.UTF_8)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    response.headers().firstValue(McpHttp.SESSION_HEADER).ifPresent(id -> {
      session = id;
      if (opening && initialize == null) {
        initialize = message;
      }
    });
    return response;
  }

  /**
   * Sends to the current node; a node that cannot be connected to got nothing, so the request
   * goes to the next one, until each was tried once.
   */
  private <T> HttpResponse<T> send(Supplier<HttpRequest> request, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException {
    for (int tried = 1; ; tried++) {
      try {
        return client.send(request.get(), body);
      } catch (ConnectException | HttpConnectTimeoutException gone) {
        if (tried >= endpoints.size()) {
          throw gone;
        }
        current = (current + 1) % endpoints.size();
      }
    }
  }

  private HttpRequest.Builder request() {
    HttpRequest.Builder builder = HttpRequest.newBuilder(endpoints.get(current)).timeout(Duration.ofSeconds(120))
        .header("Authorization", "Bearer " + key).header("Accept", "application/json, text/event-stream");
    if (session != null) {
      builder.header(McpHttp.SESSION_HEADER, session);
    }
    return builder;
  }
}
