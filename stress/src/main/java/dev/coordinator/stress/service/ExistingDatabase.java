package dev.coordinator.stress.service;

import dev.coordinator.db.DatabaseUrl;

/** The database of a service the harness did not start ({@code --target} with {@code --db-url}): left as it is. */
public record ExistingDatabase(DatabaseUrl url) implements ServiceDatabase {
  @Override
  public boolean restartable() {
    return false;
  }

  @Override
  public void restart() {
    throw new UnsupportedOperationException("restart-db needs the embedded database the harness starts itself");
  }

  @Override
  public void close() {
    // not ours to drop
  }
}
