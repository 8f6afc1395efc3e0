package dev.coordinator.stress.client;

import dev.coordinator.stress.history.Event;
import dev.coordinator.stress.history.History;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One simulated agent session: a thread that runs steps of its workload until the budget is spent
 * or it crashes, recording every call in the history (invoke, then ok / fail / info). It keeps a
 * session open (heartbeats between steps) and opens a new one when the service says its session
 * is gone. A crash stops it where it stands: whatever it holds stays held until the service reaps
 * its session.
 */
public abstract class Client implements Runnable {
  private static final String SESSION_HEADER = "Coordinator-Session";
  private static final String REQUEST_ID_HEADER = "X-Request-Id";

  protected final String name;
  protected final String agent;
  protected final Calls api;
  protected final ClientContext context;
  protected final Random random;
  private volatile boolean crashed;
  private volatile Thread thread;
  private volatile String session;
  private volatile long lastActivityNanos = System.nanoTime();
  private long lastHeartbeatNanos;
  private long calls;

  protected Client(String name, String agent, Calls api, ClientContext context, long seed) {
    this.name = name;
    this.agent = agent;
    this.api = api;
    this.context = context;
    this.random = new Random(seed);
  }

  /** The outcome of one recorded call. */
  public record Outcome(Event.Type type, JsonObject body, String error) {
    public boolean ok() {
      return type == Event.Type.OK;
    }

    public boolean unknown() {
      return type == Event.Type.INFO;
    }

    public boolean failed() {
      return type == Event.Type.FAIL;
    }
  }

  @FunctionalInterface
  protected interface Call {
    Api.Reply send(Map<String, String> headers) throws IOException, InterruptedException;
  }

  /** One step of the workload: a few calls. */
  protected abstract void step() throws InterruptedException;

  /** Drops what the client believes it holds (its session is gone, so is all it held). */
  protected abstract void forget();

  /** Whether the client holds a lock or a claim right now (a crash then strands them). */
  public abstract boolean holdsSomething();

  /** Whether this client works inside a session (a read-only agent does not). */
  protected boolean usesSession() {
    return true;
  }

  @Override
  public final void run() {
    thread = Thread.currentThread();
    try {
      while (!crashed && context.budget().running()) {
        if (usesSession() && !ensureSession()) {
          continue;
        }
        step();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Vanishes where it stands: no release, no session end. */
  public void crash() {
    crashed = true;
    api.vanish();
    // A WebSocket's session was kept alive by the service until the socket dropped: the reap bound counts from now.
    lastActivityNanos = System.nanoTime();
    context.history().invoke(name, "crash", new JsonObject().put("agent", agent).put("session", session))
        .info("client vanished");
    Thread running = thread;
    if (running != null) {
      running.interrupt();
    }
  }

  public boolean crashed() {
    return crashed;
  }

  public String name() {
    return name;
  }

  public String session() {
    return session;
  }

  /** Monotonic time of the last call made in the current session (what keeps it from being reaped). */
  public long lastActivityNanos() {
    return lastActivityNanos;
  }

  /** Ends the session at the end of the run; true when the service confirmed it. */
  public boolean endSession() throws InterruptedException {
    String current = session;
    if (current == null) {
      return true;
    }
    Outcome ended = call("end_session", new JsonObject(), headers -> api.delete("/v1/sessions/" + current, headers));
    if (!ended.failed()) {
      // Ended, or maybe ended (a closed MCP WebSocket leaves its session to the reaper): either way not used again.
      session = null;
    }
    return ended.ok();
  }

  /**
   * Sends one call and records it. Answers 2xx are ok; 4xx and 503 (nothing was changed) are
   * fail; 500, 504, timeouts and broken connections are info: the call may have acted.
   */
  protected Outcome call(String op, JsonObject args, Call call) throws InterruptedException {
    return call(op, args, Map.of(), call);
  }

  protected Outcome call(String op, JsonObject args, Map<String, String> extraHeaders, Call call)
      throws InterruptedException {
    String current = session;
    if (current == null && usesSession() && !op.equals("open_session")) {
      // The session was lost earlier in this step: nothing is sent outside a session.
      return new Outcome(Event.Type.FAIL, new JsonObject(), "NO_SESSION");
    }
    context.budget().take();
    Map<String, String> headers = new HashMap<>(extraHeaders);
    if (current != null) {
      headers.put(SESSION_HEADER, current);
    }
    if (api.auditedByRequestId()) {
      // Unique in the run: the client's name (a crashed client's successor has a new one) and its call count.
      headers.put(REQUEST_ID_HEADER, name + "-" + ++calls);
    }
    JsonObject recorded = args.copy().put("agent", agent).put("session", current).put("node", api.node())
        .put("transport", api.transport());
    headers.forEach((header, value) -> {
      if (!header.equals(SESSION_HEADER)) {
        recorded.put(header.toLowerCase(), value);
      }
    });
    History.Pending pending = context.history().invoke(name, op, recorded);
    lastActivityNanos = System.nanoTime();
    Api.Reply reply;
    try {
      reply = call.send(headers);
    } catch (InterruptedException e) {
      pending.info("interrupted (client crashed or run stopped)");
      throw e;
    } catch (IOException e) {
      pending.info(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
      // A refused connection fails at once: without a pause a client would spin while its node is down.
      backOff();
      return new Outcome(Event.Type.INFO, new JsonObject(), e.getClass().getSimpleName());
    }
    if (reply.success()) {
      pending.ok(reply.body());
      return new Outcome(Event.Type.OK, reply.body(), null);
    }
    String code = reply.errorCode();
    if (reply.status() == 500 || reply.status() == 504) {
      pending.info(code);
      return new Outcome(Event.Type.INFO, reply.body(), code);
    }
    pending.fail(code, reply.body());
    if (sessionGone(reply)) {
      lose();
    }
    return new Outcome(Event.Type.FAIL, reply.body(), code);
  }

  private static boolean sessionGone(Api.Reply reply) {
    JsonObject details = reply.body().getJsonObject("error", new JsonObject()).getJsonObject("details", new JsonObject());
    return SESSION_HEADER.equals(details.getString("field"));
  }

  /** The session is gone (ended, reaped): so is everything held in it. */
  protected final void lose() {
    session = null;
    forget();
  }

  /** Opens a session when there is none; heartbeats when a third of the timeout has passed. */
  private boolean ensureSession() throws InterruptedException {
    if (session == null) {
      Outcome opened = call("open_session", new JsonObject(),
          headers -> api.post("/v1/sessions", new JsonObject(), headers, 0));
      if (!opened.ok()) {
        backOff();
        return false;
      }
      session = opened.body().getJsonObject("session").getString("id");
      lastHeartbeatNanos = System.nanoTime();
      return true;
    }
    if (System.nanoTime() - lastHeartbeatNanos > context.sessionTimeoutSeconds() * 1_000_000_000L / 3) {
      heartbeat();
    }
    return session != null;
  }

  protected final void heartbeat() throws InterruptedException {
    String current = session;
    Outcome beat = call("heartbeat", new JsonObject(),
        headers -> api.post("/v1/sessions/" + current + "/heartbeat", new JsonObject(), headers, 0));
    if (beat.ok()) {
      lastHeartbeatNanos = System.nanoTime();
    } else if ("NOT_FOUND".equals(beat.error()) || "INVALID_STATE".equals(beat.error())) {
      // The service says the session is gone (reaped); any other refusal leaves it as it was.
      lose();
    }
  }

  /** A short pause after a refusal that will not change at once (no session, node down). */
  protected final void backOff() throws InterruptedException {
    Thread.sleep(50 + random.nextInt(150));
  }

  protected final String sessionId() {
    return session;
  }

  protected final <T> T pick(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }
}
