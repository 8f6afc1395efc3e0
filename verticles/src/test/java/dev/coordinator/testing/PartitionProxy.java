package dev.coordinator.testing;

import dev.coordinator.db.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.pgclient.PgConnectOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay in front of the test database that can cut one connection the way a network
 * partition does: from then on its bytes vanish in both directions, and neither end is told
 * (a half-open connection). Connections are known by the port the database sees them come from
 * ({@code pg_stat_activity.client_port}).
 */
public final class PartitionProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final Map<Integer, AtomicBoolean> cutByDatabaseSidePort = new ConcurrentHashMap<>();
  private final AtomicBoolean refusing = new AtomicBoolean();
  private final PgConnectOptions target;
  private final NetServer server;

  private PartitionProxy(PgConnectOptions target) throws Exception {
    this.target = target;
    NetClient client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(downstream -> {
      if (refusing.get()) {
        downstream.close();
        return;
      }
      downstream.pause();
      client.connect(target.getPort(), target.getHost()).onComplete(connected -> {
        if (connected.failed()) {
          downstream.close();
          return;
        }
        NetSocket upstream = connected.result();
        AtomicBoolean cut = new AtomicBoolean();
        cutByDatabaseSidePort.put(upstream.localAddress().port(), cut);
        downstream.handler(bytes -> {
          if (!cut.get()) {
            upstream.write(bytes);
          }
        });
        upstream.handler(bytes -> {
          if (!cut.get()) {
            downstream.write(bytes);
          }
        });
        downstream.closeHandler(ignored -> upstream.close());
        upstream.closeHandler(ignored -> downstream.close());
        downstream.resume();
      });
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A proxy in front of the server of {@code database}. */
  public static PartitionProxy in(DatabaseUrl database) {
    try {
      return new PartitionProxy(database.connectOptions());
    } catch (Exception e) {
      throw new IllegalStateException("could not start the proxy", e);
    }
  }

  /** {@code database}, reached through this proxy. */
  public DatabaseUrl route(DatabaseUrl database) {
    return new DatabaseUrl(database.url().replace(target.getHost() + ":" + target.getPort(),
        "127.0.0.1:" + server.actualPort()));
  }

  /** Cuts the connection the database sees coming from {@code clientPort}; false if there is none. */
  public boolean cut(int clientPort) {
    AtomicBoolean cut = cutByDatabaseSidePort.get(clientPort);
    if (cut != null) {
      cut.set(true);
    }
    return cut != null;
  }

  /** While on, new connections are closed at once (as by a database that is down); open ones go on. */
  public void refuseNewConnections(boolean refuse) {
    refusing.set(refuse);
  }

  @Override
  public void close() {
    vertx.close();
  }
}
