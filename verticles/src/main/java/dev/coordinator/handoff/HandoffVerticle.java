package dev.coordinator.handoff;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Document;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.handoff.HandoffCommand;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import dev.coordinator.domain.Idempotency;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;

/** Keeps the notes agents leave for whoever continues their work. */
public final class HandoffVerticle extends PooledVerticle {
  static final String HANDOFF_JSON = """
      jsonb_build_object('id', h.id, 'agent', h.agent, 'agent_type', h.agent_type, 'session_id', h.session_id,
        'summary', h.summary, 'completed_work', to_jsonb(h.completed_work), 'in_progress', to_jsonb(h.in_progress),
        'decisions', to_jsonb(h.decisions), 'next_steps', to_jsonb(h.next_steps),
        'relevant_files', to_jsonb(h.relevant_files), 'created_at', api_time(h.created_at))""";

  /** $9 id, $10 summary, $11..$15 the five lists. */
  static final String WRITE = """
      WITH h AS (
        INSERT INTO handoffs (id, agent, agent_type, session_id, summary, completed_work, in_progress, decisions,
                              next_steps, relevant_files)
        VALUES ($9::uuid, $1, $2, $3, $10::text, $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
        RETURNING *
      ), audited AS (
        INSERT INTO audit_log (%2$s)
        SELECT %3$s, 'write_handoff', h.id::text, 'ok', jsonb_build_object('handoff_id', h.id) FROM h
      )
      SELECT %1$s AS handoff FROM h""".formatted(HANDOFF_JSON, AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $1 agent, $2 limit: newest first. */
  static final String READ = "SELECT " + HANDOFF_JSON + " AS handoff FROM handoffs h WHERE h.agent = $1 ORDER BY h.seq DESC LIMIT $2";

  private Idempotency idempotency;

  public HandoffVerticle(DatabaseUrl database, int poolSize) {
    super(database, poolSize);
  }

  @Override
  protected Future<?> startWithPool() {
    idempotency = new Idempotency(pool);
    return serve(Addresses.HANDOFFS, this::handle);
  }

  private Future<Reply> handle(Authorized authorized) {
    return ((HandoffCommand) authorized.command()).accept(new HandoffCommand.Handler<Future<Reply>>() {
      @Override
      public Future<Reply> write(HandoffCommand.Write write) {
        Tuple args = AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision())
            .addValue(UUID.randomUUID()).addString(write.summary()).addArrayOfString(array(write.completedWork()))
            .addArrayOfString(array(write.inProgress())).addArrayOfString(array(write.decisions()))
            .addArrayOfString(array(write.nextSteps())).addArrayOfString(array(write.relevantFiles()));
        return idempotency.run(authorized, client -> client.preparedQuery(WRITE).execute(args).map(rows ->
            Reply.success(new Document(new JsonObject().put("handoff", rows.iterator().next().getJsonObject("handoff"))))));
      }

      @Override
      public Future<Reply> read(HandoffCommand.Read read) {
        String agent = read.agent() == null ? authorized.principal().id() : read.agent();
        return pool.preparedQuery(READ).execute(Tuple.of(agent, read.limit())).map(rows -> {
          JsonArray handoffs = new JsonArray();
          rows.forEach(row -> handoffs.add(row.getJsonObject("handoff")));
          return Reply.success(new Document(new JsonObject().put("handoffs", handoffs)));
        });
      }
    });
  }

  private static String[] array(List<String> items) {
    return items.toArray(String[]::new);
  }
}
