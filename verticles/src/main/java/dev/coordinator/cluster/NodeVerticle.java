package dev.coordinator.cluster;

import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node in the database: its row of {@code nodes}, touched every {@link #HEARTBEAT_MS}, and the waits of nodes
 * that are gone. Every wait row names the node that answers it; when a member leaves the cluster
 * its waits are deleted at once (by every survivor: deleting twice is harmless), and the waits of
 * a node silent for longer than the session timeout are deleted by the sweep (the backstop for a
 * node that froze, or that shares the database without being clustered). The line then moves on:
 * the database tells the remaining waiters of each key.
 */
public final class NodeVerticle extends PooledVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(NodeVerticle.class);
  /** How often a node says it is alive, whatever its sweep interval: the others judge it by this. */
  static final long HEARTBEAT_MS = 5_000;
  /** The shortest silence after which a node's waits are deleted: several heartbeats missed. */
  public static final int MIN_SILENCE_SECONDS = (int) (3 * HEARTBEAT_MS / 1_000);

  /** $1 node id: this node is alive. */
  static final String HEARTBEAT = """
      INSERT INTO nodes (node_id) VALUES ($1) ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now()""";

  /**
   * $1 node id: a node that left; its waits go, and its row. Every survivor runs this at once:
   * rows another survivor is deleting are skipped (SKIP LOCKED), so no two wait on each other.
   */
  static final String FORGET = """
      WITH locks AS (
        DELETE FROM lock_waits w USING (
          SELECT seq FROM lock_waits WHERE node_id = $1 FOR UPDATE SKIP LOCKED) gone
        WHERE w.seq = gone.seq
      ), claims AS (
        DELETE FROM claim_waits w USING (
          SELECT id FROM claim_waits WHERE node_id = $1 FOR UPDATE SKIP LOCKED) gone
        WHERE w.id = gone.id
      )
      DELETE FROM nodes n USING (
        SELECT node_id FROM nodes WHERE node_id = $1 FOR UPDATE SKIP LOCKED) gone
      WHERE n.node_id = gone.node_id""";

  /** $1 seconds of silence: the waits of nodes silent that long (or never heard of) go, and their rows. */
  static final String FORGET_SILENT = """
      WITH alive AS (
        SELECT node_id FROM nodes WHERE heartbeat_at > now() - make_interval(secs => $1::integer)
      ), locks AS (
        DELETE FROM lock_waits w USING (
          SELECT seq FROM lock_waits x WHERE NOT EXISTS (SELECT 1 FROM alive a WHERE a.node_id = x.node_id)
          FOR UPDATE SKIP LOCKED) gone
        WHERE w.seq = gone.seq
      ), claims AS (
        DELETE FROM claim_waits w USING (
          SELECT id FROM claim_waits x WHERE NOT EXISTS (SELECT 1 FROM alive a WHERE a.node_id = x.node_id)
          FOR UPDATE SKIP LOCKED) gone
        WHERE w.id = gone.id
      )
      DELETE FROM nodes n USING (
        SELECT node_id FROM nodes x WHERE NOT EXISTS (SELECT 1 FROM alive a WHERE a.node_id = x.node_id)
        FOR UPDATE SKIP LOCKED) gone
      WHERE n.node_id = gone.node_id""";

  private final Node node;
  private final int silenceSeconds;
  private final long sweepIntervalMs;
  private long heartbeat;
  private long sweeper;
  private boolean sweeping;

  /** {@code silenceSeconds}: how long another node may be silent before its waits are deleted (at least {@link #MIN_SILENCE_SECONDS}). */
  public NodeVerticle(DatabaseUrl database, Node node, int silenceSeconds, long sweepIntervalMs) {
    super(database, 1);
    this.node = node;
    this.silenceSeconds = Math.max(MIN_SILENCE_SECONDS, silenceSeconds);
    this.sweepIntervalMs = sweepIntervalMs;
  }

  @Override
  protected Future<?> startWithPool() {
    node.onMemberLeft(left -> context.runOnContext(ignored -> forget(left)));
    heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> pool.preparedQuery(HEARTBEAT).execute(Tuple.of(node.id()))
        .onFailure(error -> LOG.warn("could not say this node is alive; the next heartbeat retries: {}", error.getMessage())));
    sweeper = vertx.setPeriodic(sweepIntervalMs, id -> sweep());
    return pool.preparedQuery(HEARTBEAT).execute(Tuple.of(node.id()));
  }

  @Override
  protected Future<?> stopBeforePool() {
    vertx.cancelTimer(heartbeat);
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  private void forget(String left) {
    pool.preparedQuery(FORGET).execute(Tuple.of(left))
        .onFailure(error -> LOG.warn("could not delete the waits of node {} that left; the sweep will: {}", left,
            error.getMessage()));
  }

  /** One pass; a pass still running when the timer fires again is not doubled. */
  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    pool.preparedQuery(FORGET_SILENT).execute(Tuple.of(silenceSeconds))
        .onFailure(error -> LOG.warn("node sweep failed; the next one retries: {}", error.getMessage()))
        .onComplete(done -> sweeping = false);
  }
}
