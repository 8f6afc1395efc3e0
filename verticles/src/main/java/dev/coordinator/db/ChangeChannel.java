package dev.coordinator.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one listening connection: the database's change notifications on a few channels
 * ({@code NOTIFY coordinator_agents} for profiles, {@code NOTIFY coordinator_waits} for wake-ups)
 * and whether they can be relied on right now. A listening connection can stop delivering without
 * anyone being told: the subscriber's reconnect policy hides a drop, a half-open socket hides
 * everything. So the node pings itself through the first channel every {@link #PING_INTERVAL_MS};
 * the channel is {@linkplain Proof#proven() proven} only once a ping sent after the latest
 * subscription has come back, and a ping not back within {@link #PING_DEADLINE_MS} makes it
 * {@linkplain Proof#down() down} and replaces the listening connection. Runs on one event loop.
 */
public final class ChangeChannel {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeChannel.class);
  public static final long PING_INTERVAL_MS = 1_000;
  public static final long PING_DEADLINE_MS = 3_000;
  private static final String PING_PREFIX = "ping ";
  private static final String PING = "SELECT pg_notify($1, $2)";

  /** What the channel's state means to those who rely on it. */
  public interface Proof {
    /** Notifications may be missed from now on, until the channel is proven again. */
    void down();

    /** Nothing is missed from now on; whatever changed while the channel was not proven went unannounced. */
    void proven();
  }

  private final Vertx vertx;
  private final Pool pool;
  private final PgConnectOptions connect;
  private final Map<String, Consumer<String>> channels;
  private final String pingChannel;
  private final Proof proof;
  /** Tells this node's pings from other nodes' (which are ignored). */
  private final String pingTag = PING_PREFIX + UUID.randomUUID() + " ";
  private PgSubscriber subscriber;
  private boolean proven;
  private long sent;
  private long sentAtNanos;
  private long answered;
  /** The first ping whose return proves the current subscription. */
  private long proving = 1;
  private long timer = -1;

  /** {@code channels}: each channel's handler of what is notified on it, the first also carrying the pings. */
  public ChangeChannel(Vertx vertx, Pool pool, PgConnectOptions connect, Map<String, Consumer<String>> channels,
                       Proof proof) {
    this.vertx = vertx;
    this.pool = pool;
    this.connect = connect;
    this.channels = new LinkedHashMap<>(channels);
    this.pingChannel = this.channels.keySet().iterator().next();
    this.proof = proof;
  }

  /** Starts listening; completes at once even if the database cannot be reached yet (nothing is proven until it can). */
  public Future<Void> start() {
    proof.down();
    timer = vertx.setPeriodic(PING_INTERVAL_MS, ignored -> tick());
    return subscribe();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    return subscriber.close();
  }

  /** Whether the listening connection is up (it may still be unproven). */
  public boolean connected() {
    return subscriber != null && subscriber.actualConnection() != null;
  }

  private Future<Void> subscribe() {
    PgSubscriber next = PgSubscriber.subscriber(vertx, connect)
        .reconnectPolicy(attempt -> Math.min(5_000L, 100L * (attempt + 1)));
    channels.forEach((channel, handler) -> next.channel(channel)
        .subscribeHandler(ignored -> subscribed(next))
        .handler(payload -> received(next, channel, payload)));
    subscriber = next;
    return next.connect().recover(error -> {
      LOG.warn("cannot listen for database changes yet ({}); nothing relies on them meanwhile", error.getMessage());
      return Future.succeededFuture();
    });
  }

  // A (re)subscription of any channel may follow lost notifications: trust nothing until a ping sent now comes back.
  private void subscribed(PgSubscriber from) {
    if (from != subscriber) {
      return;
    }
    down();
    answered = sent;
    proving = sent + 1;
    ping();
  }

  private void received(PgSubscriber from, String channel, String payload) {
    if (from != subscriber) {
      return;
    }
    if (!channel.equals(pingChannel) || payload == null || !payload.startsWith(PING_PREFIX)) {
      channels.get(channel).accept(payload);
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
    if (seq >= proving && !proven) {
      proven = true;
      proof.proven();
    }
  }

  private void tick() {
    if (sent == answered) {
      ping();
      return;
    }
    if ((System.nanoTime() - sentAtNanos) / 1_000_000 > PING_DEADLINE_MS) {
      LOG.warn("change channel: a ping did not come back within {} ms; listening anew", PING_DEADLINE_MS);
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
    pool.preparedQuery(PING).execute(Tuple.of(pingChannel, pingTag + sent))
        .onFailure(error -> LOG.debug("change channel: ping failed", error));
  }

  private void down() {
    proven = false;
    proof.down();
  }
}
