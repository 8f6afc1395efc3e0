package dev.coordinator.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the Flyway migrations of {@code sql/} (on the class path as db/migration). */
public final class Migrations {
  private Migrations() {
  }

  public static MigrateResult migrate(DatabaseUrl database) {
    return Flyway.configure()
        .dataSource(database.jdbcUrl(), null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
