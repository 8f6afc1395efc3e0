package dev.coordinator.policy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POL-2: the database's change notifications ({@code NOTIFY coordinator_agents}) and whether they
 * can be relied on right now. A listening connection can stop delivering without anyone being
 * told: the subscriber's reconnect policy hides a drop, a half-open socket hides everything. So
 * the node pings itself through the channel every {@link #PING_INTERVAL_MS}; profiles are cached
 * only once a ping sent after the latest subscription has come back, and a ping not back within
 * {@link #PING_DEADLINE_MS} turns caching off and replaces the listening connection. Runs on the
 * policy verticle's event loop, as the cache does.
 *
 * <p>The same connection, the node's one listener, also hears the other channels it is given
 * ({@code relays}: a policy reload, an MCP cancellation), each handed to its handler; the
 * pings prove them all, since they share the connection. Whatever was missed while the channel
 * was not proven is made good by {@code changed}, run once it is proven again.
 */
final class ChangeChannel {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeChannel.class);
  static final long PING_INTERVAL_MS = 1_000;
  static final long PING_DEADLINE_MS = 3_000;
  private static final String PING_PREFIX = "ping ";
  private static final String PING = "SELECT pg_notify($1, $2)";

  private final Vertx vertx;
  private final Pool pool;
  private final PgConnectOptions connect;
  private final String channel;
  private final ProfileCache profiles;
  private final Runnable changed;
  private final Map<String, Consumer<String>> relays;
  /** Tells this node's pings from other nodes' (which are ignored). */
  private final String pingTag = PING_PREFIX + UUID.randomUUID() + " ";
  private PgSubscriber subscriber;
  private long sent;
  private long sentAtNanos;
  private long answered;
  /** The first ping whose return proves the current subscription. */
  private long proving = 1;
  private long timer = -1;

  ChangeChannel(Vertx vertx, Pool pool, PgConnectOptions connect, String channel, ProfileCache profiles,
                Runnable changed, Map<String, Consumer<String>> relays) {
    this.relays = Map.copyOf(relays);
    this.vertx = vertx;
    this.pool = pool;
    this.connect = connect;
    this.channel = channel;
    this.profiles = profiles;
    this.changed = changed;
    profiles.listening(() -> subscriber != null && subscriber.actualConnection() != null);
  }

  /** Starts listening; completes at once even if the database cannot be reached yet (nothing is cached until it can). */
  Future<Void> start() {
    profiles.caching(false);
    timer = vertx.setPeriodic(PING_INTERVAL_MS, ignored -> tick());
    return subscribe();
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return subscriber.close();
  }

  private Future<Void> subscribe() {
    PgSubscriber next = PgSubscriber.subscriber(vertx, connect)
        .reconnectPolicy(attempt -> Math.min(5_000L, 100L * (attempt + 1)));
    next.channel(channel)
        .subscribeHandler(ignored -> subscribed(next))
        .handler(payload -> received(next, payload));
    relays.forEach((relayed, handler) -> next.channel(relayed).handler(payload -> {
      if (next == subscriber) {
        handler.accept(payload);
      }
    }));
    subscriber = next;
    return next.connect().recover(error -> {
      LOG.warn("cannot listen for profile changes yet ({}); profiles are not cached meanwhile", error.getMessage());
      return Future.succeededFuture();
    });
  }

  // A (re)subscription may follow lost notifications: trust nothing until a ping sent now comes back.
  private void subscribed(PgSubscriber from) {
    if (from != subscriber) {
      return;
    }
    down();
    answered = sent;
    proving = sent + 1;
    ping();
  }

  private void received(PgSubscriber from, String payload) {
    if (from != subscriber) {
      return;
    }
    if (payload == null || !payload.startsWith(PING_PREFIX)) {
      profiles.invalidate();
      changed.run();
      return;
    }
    if (!payload.startsWith(pingTag)) {
      return;
    }
    long seq;
    try {
      seq = Long.parseLong(payload.substring(pingTag.length()));
    } catch (NumberFormatException e) {
      return;
    }
    answered = Math.max(answered, seq);
    if (seq >= proving && !profiles.caching()) {
      profiles.caching(true);
      // Whatever changed while the channel was not proven went unannounced.
      changed.run();
    }
  }

  private void tick() {
    if (sent == answered) {
      ping();
      return;
    }
    if ((System.nanoTime() - sentAtNanos) / 1_000_000 > PING_DEADLINE_MS) {
      LOG.warn("profile change channel: a ping did not come back within {} ms; profiles are not cached, listening anew",
          PING_DEADLINE_MS);
      down();
      PgSubscriber dead = subscriber;
      answered = sent;
      proving = sent + 1;
      dead.close().onFailure(error -> LOG.debug("closing the silent listener failed", error));
      subscribe();
    }
  }

  private void ping() {
    sent++;
    sentAtNanos = System.nanoTime();
    pool.preparedQuery(PING).execute(Tuple.of(channel, pingTag + sent))
        .onFailure(error -> LOG.debug("profile change channel: ping failed", error));
  }

  private void down() {
    profiles.caching(false);
  }
}
