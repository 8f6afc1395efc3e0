package dev.coordinator.stress.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * MCP over WebSocket ({@code GET /mcp} upgraded, subprotocol {@code mcp}, one JSON-RPC message a
 * text frame; api.md §6): the socket is the session, and lives on its node. The service heartbeats
 * the session while the socket is open, so closing the socket does not end the session at once:
 * the reaper ends it a session timeout later. That is why an end here is answered as an unknown
 * outcome (504), and why a crashed or silent client drops its socket ({@link #vanish()}): only
 * then can the reaper take its session. A socket that closes or times out is gone, and with it the
 * session: the next call is answered as a call in a gone session, so the client opens a new one
 * (on the next node when this one did not answer).
 */
public final class McpSocketApi extends McpCalls {
  private static final JsonObject CLOSED = new JsonObject().put("error", new JsonObject().put("code", "TIMEOUT")
      .put("message", "the MCP WebSocket is closed; the reaper ends its session"));

  private final HttpClient http;
  private final List<URI> nodes;
  private final String key;
  private volatile int node;
  private volatile WebSocket socket;
  private final Map<Long, CompletableFuture<JsonObject>> waiting = new ConcurrentHashMap<>();

  public McpSocketApi(HttpClient http, List<URI> nodes, String key, int firstNode) {
    this.http = http;
    this.nodes = nodes;
    this.key = key;
    this.node = Math.floorMod(firstNode, nodes.size());
  }

  @Override
  public Api.Reply delete(String path, Map<String, String> headers) {
    vanish();
    return new Api.Reply(504, CLOSED);
  }

  @Override
  public void vanish() {
    WebSocket current = socket;
    socket = null;
    if (current != null) {
      current.abort();
    }
    failAll(new IOException("the socket was dropped"));
  }

  @Override
  public int node() {
    return node;
  }

  @Override
  public String transport() {
    return "mcp-ws";
  }

  @Override
  Rpc initialize(JsonObject message) throws IOException, InterruptedException {
    vanish();
    URI base = nodes.get(node);
    URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/mcp");
    try {
      socket = http.newWebSocketBuilder().header("Authorization", "Bearer " + key).subprotocols("mcp")
          .connectTimeout(Duration.ofSeconds(2)).buildAsync(uri, new Listener())
          .get(Api.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      node = (node + 1) % nodes.size();
      throw new IOException("WebSocket to " + uri + " not opened: " + (e.getCause() == null ? e : e.getCause()), e);
    }
    return rpc(message, 0);
  }

  @Override
  Rpc rpc(JsonObject message, long waitMs) throws IOException, InterruptedException {
    WebSocket current = socket;
    if (current == null) {
      return new Rpc(404, new JsonObject(), true);
    }
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    waiting.put(message.getLong("id"), answer);
    try {
      current.sendText(message.encode(), true).get(Api.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return new Rpc(200, answer.get(Api.REQUEST_TIMEOUT.toMillis() + waitMs, TimeUnit.MILLISECONDS), false);
    } catch (TimeoutException e) {
      lost();
      throw new HttpTimeoutException("no answer on the MCP WebSocket");
    } catch (ExecutionException e) {
      lost();
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      waiting.remove(message.getLong("id"));
    }
  }

  @Override
  void notify(JsonObject message) throws IOException, InterruptedException {
    WebSocket current = socket;
    if (current == null) {
      return;
    }
    try {
      current.sendText(message.encode(), true).get(Api.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      lost();
      throw new IOException("the MCP WebSocket failed", e);
    }
  }

  /** The node did not answer: drop the socket (the session stays on that node until reaped) and try the next node. */
  private void lost() {
    vanish();
    node = (node + 1) % nodes.size();
  }

  private void failAll(IOException why) {
    waiting.values().forEach(answer -> answer.completeExceptionally(why));
  }

  /** Hands each answer to the call waiting for its id; a close fails every call still waiting. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        JsonObject message = Api.json(text.toString());
        text.setLength(0);
        Object id = message.getValue("id");
        CompletableFuture<JsonObject> answer = id instanceof Number number ? waiting.get(number.longValue()) : null;
        if (answer != null) {
          answer.complete(message);
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed(webSocket, new IOException("the MCP WebSocket closed: " + statusCode + " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed(webSocket, new IOException("the MCP WebSocket failed: " + error, error));
    }

    /** Only the current socket's end matters: a dropped one's late close must not fail its successor's calls. */
    private void closed(WebSocket webSocket, IOException why) {
      if (socket == webSocket) {
        socket = null;
        failAll(why);
      }
    }
  }
}
