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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Reads the audit trail and proves its hash chains intact. */
public final class AuditVerticle extends PooledVerticle {
  static final String QUERY = """
      SELECT id, at, agent, agent_type, session_id, action, resource, decision, reason, engine, outcome, params, result
      FROM audit_log
      WHERE ($1::text IS NULL OR agent = $1::text) AND ($2::text IS NULL OR action = $2::text)
        AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)
      ORDER BY id DESC LIMIT $4""";

  /**
   * Recomputes every row's hash from its content and its predecessor's hash, checks that each
   * chain runs 1, 2, 3, ... without gaps, and that each chain head names the chain's last row
   * (so rows cut from the end are noticed too).
   */
  static final String VERIFY = """
      WITH linked AS (
        SELECT a.id, a.chain, a.chain_seq, a.prev_hash, a.hash, audit_digest(a.prev_hash, a) AS digest,
               lag(a.hash) OVER w AS previous_hash, lag(a.chain_seq) OVER w AS previous_seq
        FROM audit_log a WINDOW w AS (PARTITION BY a.chain ORDER BY a.chain_seq)
      ), bad_rows AS (
        SELECT l.id FROM linked l JOIN audit_chain_heads h ON h.chain = l.chain
        WHERE l.digest <> l.hash OR l.prev_hash <> coalesce(l.previous_hash, h.genesis)
           OR l.chain_seq <> coalesce(l.previous_seq, 0) + 1
      ), tails AS (
        SELECT DISTINCT ON (chain) chain, chain_seq, hash, id FROM audit_log ORDER BY chain, chain_seq DESC
      ), bad_heads AS (
        SELECT t.id FROM audit_chain_heads h LEFT JOIN tails t ON t.chain = h.chain
        WHERE h.seq <> coalesce(t.chain_seq, 0) OR h.last_hash <> coalesce(t.hash, h.genesis)
      )
      SELECT (SELECT count(*) FROM audit_log) AS checked,
             (SELECT min(id) FROM bad_rows) AS first_bad_row,
             (SELECT count(*) FROM bad_heads) AS bad_heads,
             (SELECT min(id) FROM bad_heads) AS first_bad_tail""";

  public AuditVerticle(DatabaseUrl database, int poolSize) {
    super(database, poolSize);
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
    return pool.query(VERIFY).execute().map(rows -> {
      Row row = rows.iterator().next();
      Long firstBad = row.getLong("first_bad_row");
      boolean ok = firstBad == null && row.getLong("bad_heads") == 0;
      Long reported = firstBad != null ? firstBad : row.getLong("first_bad_tail");
      return Reply.success(new AuditReplies.Verification(ok, row.getLong("checked"), reported));
    });
  }

  private static AuditEntry entry(Row row) {
    return new AuditEntry(row.getLong("id"), row.getOffsetDateTime("at").toInstant(), row.getString("agent"),
        row.getString("agent_type"), row.getString("session_id"), row.getString("action"), row.getString("resource"),
        row.getString("decision"), row.getString("reason"), row.getString("engine"), row.getString("outcome"),
        row.getJsonObject("params"), row.getJsonObject("result"));
  }
}
