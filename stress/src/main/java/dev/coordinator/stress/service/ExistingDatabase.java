package dev.coordinator.stress.service;

import dev.coordinator.db.DatabaseUrl;

/** The database of a service the harness did not start ({@code --target} with {@code --db-url}): left as it is. */
public record ExistingDatabase(DatabaseUrl url) implements ServiceDatabase {
  @Override
  public void close() {
    // not ours to drop
  }
}
