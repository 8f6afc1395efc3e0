package dev.coordinator.audit;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.audit.AuditEntry;
import dev.coordinator.bus.audit.AuditReplies;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Reads the audit trail and proves it intact: every sealed row unchanged, nothing left unsealed too long. */
public final class AuditVerticle extends PooledVerticle {
  static final String QUERY = """
      SELECT id, at, agent, agent_type, session_id, action, resource, decision, reason, engine, outcome, params, result
      FROM audit_log
      WHERE ($1::text IS NULL OR agent = $1::text) AND ($2::text IS NULL OR action = $2::text)
        AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)
      ORDER BY id DESC LIMIT $4""";

  /**
   * Walks the chain of seals (sql/V14): each seal's hash is recomputed from its predecessor's, its
   * position and the content of the row it seals; positions run 1, 2, 3, ... without gaps; the rows
   * follow the sealing order (xid, id); a seal whose row is gone counts as that row's failure. Rows
   * without a seal are counted; one older than $1 milliseconds (the longest sealing may take) is a failure.
   */
  static final String VERIFY = """
      WITH linked AS (
        SELECT s.seq, s.audit_id, s.prev_hash, s.hash, a.id AS row_id, a.xid,
               audit_seal_hash(s.prev_hash, s.seq, audit_row_digest(a)) AS digest,
               lag(s.hash) OVER w AS previous_hash, lag(s.seq) OVER w AS previous_seq,
               lag(a.xid) OVER w AS previous_xid, lag(a.id) OVER w AS previous_id
        FROM audit_seals s LEFT JOIN audit_log a ON a.id = s.audit_id WINDOW w AS (ORDER BY s.seq)
      ), bad_seals AS (
        SELECT audit_id FROM linked
        WHERE row_id IS NULL OR digest <> hash OR prev_hash <> coalesce(previous_hash, audit_seal_genesis())
           OR seq <> coalesce(previous_seq, 0) + 1 OR (previous_xid, previous_id) >= (xid, row_id)
      ), unsealed AS (
        SELECT a.id, a.at FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.audit_id = a.id)
      )
      SELECT (SELECT count(*) FROM linked) AS checked,
             (SELECT min(audit_id) FROM bad_seals) AS first_bad_seal,
             (SELECT count(*) FROM unsealed) AS unsealed,
             (SELECT min(id) FROM unsealed WHERE at < clock_timestamp() - $1::bigint * interval '1 millisecond') AS first_overdue""";

  private final Duration overdueAfter;

  public AuditVerticle(DatabaseUrl database, int poolSize, Duration overdueAfter) {
    super(database, poolSize);
    this.overdueAfter = overdueAfter;
  }

  @Override
  protected Future<?> startWithPool() {
    return serve(Addresses.AUDIT, this::handle);
  }

  private Future<Reply> handle(Authorized authorized) {
    return ((AuditCommand) authorized.command()).accept(new AuditCommand.Handler<Future<Reply>>() {
      @Override
      public Future<Reply> query(AuditCommand.Query command) {
        return AuditVerticle.this.query(authorized, command);
      }

      @Override
      public Future<Reply> verify(AuditCommand.Verify command) {
        return AuditVerticle.this.verify();
      }
    });
  }

  // Unless the gate let it reach others' entries, an agent reads its own, whatever it asked for.
  private Future<Reply> query(Authorized authorized, AuditCommand.Query query) {
    String agent = authorized.scope().others() ? query.agent() : authorized.principal().id();
    Tuple args = Tuple.of(agent, query.action(),
        query.since() == null ? null : query.since().atOffset(ZoneOffset.UTC), query.limit());
    return pool.preparedQuery(QUERY).execute(args).map(rows -> {
      List<AuditEntry> entries = new ArrayList<>(rows.size());
      rows.forEach(row -> entries.add(entry(row)));
      return Reply.success(new AuditReplies.Entries(entries));
    });
  }

  private Future<Reply> verify() {
    return pool.preparedQuery(VERIFY).execute(Tuple.of(overdueAfter.toMillis())).map(rows -> {
      Row row = rows.iterator().next();
      Long badSeal = row.getLong("first_bad_seal");
      Long reported = badSeal != null ? badSeal : row.getLong("first_overdue");
      return Reply.success(new AuditReplies.Verification(reported == null, row.getLong("checked"), reported,
          row.getLong("unsealed")));
    });
  }

  private static AuditEntry entry(Row row) {
    return new AuditEntry(row.getLong("id"), row.getOffsetDateTime("at").toInstant(), row.getString("agent"),
        row.getString("agent_type"), row.getString("session_id"), row.getString("action"), row.getString("resource"),
        row.getString("decision"), row.getString("reason"), row.getString("engine"), row.getString("outcome"),
        row.getJsonObject("params"), row.getJsonObject("result"));
  }
}
