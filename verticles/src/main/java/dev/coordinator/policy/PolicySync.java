package dev.coordinator.policy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy reload on any node reaches this one. The reload announces itself
 * ({@code NOTIFY coordinator_policies}) in the transaction that writes its audit row, so the
 * announcement exists exactly when the reload happened; this node then re-reads its own policy
 * folder (every node is started with the same folder). The audit trail says which reload is the
 * latest: a node applies each one once, and a node whose listening connection was being replaced
 * when an announcement went out catches up when the channel is proven again ({@link ChangeChannel}).
 * Runs on the policy verticle's event loop; reading and validating the files runs on a worker.
 */
final class PolicySync {
  private static final Logger LOG = LoggerFactory.getLogger(PolicySync.class);
  static final String CHANNEL = "coordinator_policies";
  /** Sent in a reload's audited transaction: the announcement every node listens for. */
  static final String ANNOUNCE = "SELECT pg_notify('coordinator_policies', 'reloaded')";
  static final String LATEST_RELOAD =
      "SELECT coalesce(max(id), 0) AS id FROM audit_log WHERE action = 'reload_policies' AND outcome = 'ok'";

  private final Vertx vertx;
  private final Pool pool;
  private final PolicyEngine engine;
  /** The latest reload this node has applied (its policies were read at start, after the earlier ones). */
  private long applied = -1;
  /** Catch-ups run one after another, never two at once. */
  private Future<Void> running = Future.succeededFuture();

  PolicySync(Vertx vertx, Pool pool, PolicyEngine engine) {
    this.vertx = vertx;
    this.pool = pool;
    this.engine = engine;
  }

  /** Notes the latest reload so far: the folder read at start already holds what it put in force. */
  Future<Void> start() {
    if (!(engine instanceof CedarPolicyEngine)) {
      return Future.succeededFuture();
    }
    return latest().onSuccess(id -> applied = id).<Void>mapEmpty()
        .recover(error -> {
          LOG.warn("cannot read the latest policy reload yet ({}); the next announcement catches up", error.getMessage());
          return Future.succeededFuture();
        });
  }

  /** A reload was announced, or announcements may have been missed: re-reads the folder if a reload is newer than ours. */
  void catchUp() {
    if (engine instanceof CedarPolicyEngine cedar) {
      running = running.transform(previous -> catchUp(cedar));
    }
  }

  private Future<Void> catchUp(CedarPolicyEngine cedar) {
    return latest().compose(latest -> {
      if (latest <= applied) {
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(cedar::reread, false).transform(read -> {
        applied = latest;
        if (read.succeeded()) {
          cedar.install(read.result());
          LOG.info("policies reloaded: a reload on another node (audit row {}); {} policies in force", latest,
              read.result().ids().size());
        } else {
          LOG.error("a reload on another node (audit row {}) is not applied here: this node's policy folder does not"
              + " validate; the old set stays in force", latest, read.cause());
        }
        return Future.<Void>succeededFuture();
      });
    }).recover(error -> {
      LOG.warn("could not catch up with a policy reload ({}); the next announcement tries again", error.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<Long> latest() {
    return pool.preparedQuery(LATEST_RELOAD).execute().map(rows -> rows.iterator().next().getLong("id"));
  }
}
