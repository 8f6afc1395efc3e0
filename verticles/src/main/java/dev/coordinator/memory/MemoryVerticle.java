package dev.coordinator.memory;

import dev.coordinator.audit.AuditContext;
import dev.coordinator.audit.AuditSql;
import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Document;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.memory.MemoryCommand;
import dev.coordinator.db.DatabaseUrl;
import dev.coordinator.db.PooledVerticle;
import dev.coordinator.domain.Idempotency;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/**
 * Keeps lessons any agent can recall. The same agent remembering the same event type and summary
 * within an hour gets the existing memory back ({@code deduplicated}); concurrent identical calls
 * are serialized by a transaction-scoped advisory lock on exactly that triple, so they agree.
 *
 * <p>Recall ranks by relevance = (1 + number of asked tags the memory carries) x 0.5^(age in days
 * / 7): a tag match counts as much as a week of freshness.
 */
public final class MemoryVerticle extends PooledVerticle {
  static final String MEMORY_JSON = """
      jsonb_build_object('id', %1$s.id, 'agent', %1$s.agent, 'event_type', %1$s.event_type, 'summary', %1$s.summary,
        'details', %1$s.details, 'outcome', %1$s.outcome, 'lessons', to_jsonb(%1$s.lessons), 'tags', to_jsonb(%1$s.tags),
        'created_at', api_time(%1$s.created_at))""";

  /** $1 agent, $2 event type, $3 summary: one lock per triple (a hash collision only serializes more), held to the end of the transaction. */
  static final String SERIALIZE = "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2 || chr(31) || $3, 0))";

  /** $9 id, $10 event type, $11 summary, $12 details, $13 outcome, $14 lessons, $15 tags. */
  static final String REMEMBER = """
      WITH existing AS (
        SELECT * FROM memories
        WHERE agent = $1 AND event_type = $10::text AND summary = $11::text AND created_at > now() - interval '1 hour'
        ORDER BY created_at DESC LIMIT 1
      ), created AS (
        INSERT INTO memories (id, agent, event_type, summary, details, outcome, lessons, tags)
        SELECT $9::uuid, $1, $10::text, $11::text, $12::text, $13::text, $14::text[], $15::text[]
        WHERE NOT EXISTS (SELECT 1 FROM existing)
        RETURNING *
      ), audited AS (
        INSERT INTO audit_log (%3$s)
        SELECT %4$s, 'remember', coalesce(c.id, e.id)::text, 'ok',
          jsonb_build_object('memory_id', coalesce(c.id, e.id), 'action', CASE WHEN c.id IS NULL THEN 'deduplicated' ELSE 'created' END)
        FROM (SELECT 1) AS one LEFT JOIN created c ON true LEFT JOIN existing e ON true
      )
      SELECT CASE WHEN c.id IS NULL THEN %2$s ELSE %1$s END AS memory, c.id IS NOT NULL AS created
      FROM (SELECT 1) AS one LEFT JOIN created c ON true LEFT JOIN existing e ON true"""
      .formatted(MEMORY_JSON.formatted("c"), MEMORY_JSON.formatted("e"), AuditSql.COLUMNS, AuditSql.CONTEXT);

  /** $1 tags (empty: any), $2 event type or null, $3 limit. */
  static final String RECALL = """
      SELECT %1$s || jsonb_build_object('relevance', round(m.relevance::numeric, 6)) AS memory
      FROM (
        SELECT m.*, (1 + cardinality(ARRAY(SELECT unnest(m.tags) INTERSECT SELECT unnest($1::text[]))))
                    * power(0.5, extract(epoch FROM now() - m.created_at) / 604800.0) AS relevance
        FROM memories m
        WHERE (cardinality($1::text[]) = 0 OR m.tags && $1::text[]) AND ($2::text IS NULL OR m.event_type = $2::text)
      ) m
      ORDER BY m.relevance DESC, m.created_at DESC LIMIT $3""".formatted(MEMORY_JSON.formatted("m"));

  private Idempotency idempotency;

  public MemoryVerticle(DatabaseUrl database, int poolSize) {
    super(database, poolSize);
  }

  @Override
  protected Future<?> startWithPool() {
    idempotency = new Idempotency(pool);
    return serve(Addresses.MEMORIES, this::handle);
  }

  private Future<Reply> handle(Authorized authorized) {
    return ((MemoryCommand) authorized.command()).accept(new MemoryCommand.Handler<Future<Reply>>() {
      @Override
      public Future<Reply> remember(MemoryCommand.Remember remember) {
        return idempotency.run(authorized, client -> client instanceof Pool whole
            ? whole.withTransaction(connection -> store(connection, authorized, remember))
            : store(client, authorized, remember));
      }

      @Override
      public Future<Reply> recall(MemoryCommand.Recall recall) {
        Tuple args = Tuple.of(recall.tags().toArray(String[]::new), recall.eventType(), recall.limit());
        return pool.preparedQuery(RECALL).execute(args).map(rows -> {
          JsonArray memories = new JsonArray();
          rows.forEach(row -> memories.add(row.getJsonObject("memory")));
          return Reply.success(new Document(new JsonObject().put("memories", memories)));
        });
      }
    });
  }

  /** Both statements in the caller's transaction: the lock, then the look-up-or-insert under it. */
  private static Future<Reply> store(SqlClient transaction, Authorized authorized, MemoryCommand.Remember remember) {
    Tuple lock = Tuple.of(authorized.principal().id(), remember.eventType(), remember.summary());
    Tuple args = AuditContext.tuple(authorized.envelope(), authorized.principal().type(), authorized.decision())
        .addValue(UUID.randomUUID()).addString(remember.eventType()).addString(remember.summary())
        .addString(remember.details()).addString(remember.outcome())
        .addArrayOfString(remember.lessons().toArray(String[]::new)).addArrayOfString(remember.tags().toArray(String[]::new));
    return transaction.preparedQuery(SERIALIZE).execute(lock)
        .compose(locked -> transaction.preparedQuery(REMEMBER).execute(args))
        .map(rows -> {
          Row row = rows.iterator().next();
          return Reply.success(new Document(new JsonObject().put("memory", row.getJsonObject("memory"))
              .put("action", row.getBoolean("created") ? "created" : "deduplicated")));
        });
  }
}
