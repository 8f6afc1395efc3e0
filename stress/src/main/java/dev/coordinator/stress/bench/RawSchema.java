package dev.coordinator.stress.bench;

/**
 * The raw side's own tables, in the service's database but apart from its schema: what a
 * developer would create to do the same work by hand (performance.md, "Raw side").
 */
final class RawSchema {
  static final String CREATE = """
      CREATE SEQUENCE bench_fencing;
      CREATE TABLE bench_locks (
        key text PRIMARY KEY, holder text NOT NULL, fencing_token bigint NOT NULL,
        acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
      CREATE TABLE bench_audit (
        id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), agent text NOT NULL, action text NOT NULL,
        resource text NOT NULL, decision text NOT NULL DEFAULT 'allow', outcome text NOT NULL, result jsonb);
      CREATE TABLE bench_jobs (
        id bigserial PRIMARY KEY, task_type text NOT NULL, priority smallint NOT NULL, status text NOT NULL,
        payload jsonb, claimed_by text, claim_token uuid, lease_until timestamptz, result jsonb,
        created_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX bench_jobs_claimable ON bench_jobs (priority, id) WHERE status = 'pending'""";

  static final String RESET = "TRUNCATE bench_locks, bench_audit, bench_jobs";

  /** G2's queue, filled before each claim run: {@code %d} jobs (a count, never request text). */
  static final String PREFILL = """
      INSERT INTO bench_jobs (task_type, priority, status, payload)
      SELECT 'bench', 5, 'pending', '{}' FROM generate_series(1, %d)""";

  /** After the prefill, as the service's queue is (Phases.ANALYZE_TASKS): the same planner knowledge on both sides. */
  static final String ANALYZE = "ANALYZE bench_jobs";

  private RawSchema() {
  }
}
