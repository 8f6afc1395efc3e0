package dev.coordinator.audit;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Commands;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AUD-2: seals committed audit rows into the hash chain of seals (sql/V14). Every sweep interval,
 * on every node, a pass asks the database to seal; one sealer at a time across all nodes gets the
 * turn (the others find it taken and wait for their next tick), and a pass that fills a batch asks
 * again at once, so a backlog is sealed in one pass, not one batch per interval.
 *
 * <p>The maximum sealing delay: a row is sealed by the first pass that starts after its own
 * transaction and every transaction that was already running when it committed have ended, so
 * within one sweep interval (plus the backlog's sealing time) after that. Verify counts a row
 * unsealed for longer than {@link #overdueAfter} as a failure. A pass that sealed anything but
 * reads makes the database notify every node (sql/V15), so dashboards hear other nodes' changes.
 */
public final class AuditSealer extends PooledVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(AuditSealer.class);
  static final int BATCH = 5_000;
  static final String SEAL = "SELECT audit_seal($1, $2) AS sealed";
  /**
   * The actions whose sealed rows are no news to a dashboard (sql/V15): the reads, which a
   * dashboard makes itself on every change it hears of. Any other row sealed in a pass makes the
   * database notify every node, which tells its dashboards (docs/cluster.md).
   */
  static final String[] QUIET_ACTIONS = Commands.all().stream().map(Commands::action)
      .filter(action -> !action.mutates()).map(Action::value).toArray(String[]::new);
  /** Room for a transaction that holds sealing back for a while (a slow statement, a migration). */
  private static final Duration SLACK = Duration.ofMinutes(1);

  private final long sweepIntervalMs;
  private long timer;
  private boolean sealing;

  public AuditSealer(DatabaseUrl database, int poolSize, long sweepIntervalMs) {
    super(database, poolSize);
    this.sweepIntervalMs = sweepIntervalMs;
  }

  /** How long a row may stay unsealed before verify calls it a failure: a minute plus two intervals. */
  public static Duration overdueAfter(long sweepIntervalMs) {
    return SLACK.plusMillis(2 * sweepIntervalMs);
  }

  /** Seals until a batch comes back short; the number sealed (0 if another sealer had the turn). */
  public static Future<Long> sealAll(Pool pool) {
    return sealFrom(pool, 0);
  }

  private static Future<Long> sealFrom(Pool pool, long sealedSoFar) {
    return pool.preparedQuery(SEAL).execute(Tuple.of(BATCH).addArrayOfString(QUIET_ACTIONS)).compose(rows -> {
      int sealed = rows.iterator().next().getInteger("sealed");
      return sealed == BATCH ? sealFrom(pool, sealedSoFar + sealed) : Future.succeededFuture(sealedSoFar + sealed);
    });
  }

  @Override
  protected Future<?> startWithPool() {
    timer = vertx.setPeriodic(sweepIntervalMs, tick -> seal());
    return Future.succeededFuture();
  }

  @Override
  protected Future<?> stopBeforePool() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void seal() {
    if (sealing) {
      return;
    }
    sealing = true;
    sealAll(pool)
        .onFailure(error -> LOG.warn("audit sealing failed; the next pass retries: {}", error.getMessage()))
        .onComplete(done -> sealing = false);
  }
}
