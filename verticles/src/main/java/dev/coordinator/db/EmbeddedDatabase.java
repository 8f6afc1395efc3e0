package dev.coordinator.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The PostgreSQL that {@code serve} starts when no database is configured. Its files stay under
 * {@code dataDir/pg} between runs; while it runs, {@code dataDir/pg.url} tells other commands
 * of the launcher ({@code agent add}) where to find it.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final Path urlFile;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path urlFile) {
    this.postgres = postgres;
    this.urlFile = urlFile;
  }

  public static EmbeddedDatabase start(Path dataDir) {
    try {
      Path pgDir = dataDir.resolve("pg").toAbsolutePath();
      Files.createDirectories(pgDir);
      EmbeddedPostgres postgres = durable(pgDir).start();
      EmbeddedDatabase database = new EmbeddedDatabase(postgres, dataDir.resolve("pg.url"));
      Files.writeString(database.urlFile, database.url().url());
      return database;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL under " + dataDir, e);
    }
  }

  /**
   * An embedded PostgreSQL on {@code dataDir} (kept when it stops) that writes a commit to disk
   * before answering it, as any PostgreSQL a user runs does by default. The embedding library is
   * made for tests: it starts the server with {@code -F} (no fsync at all, so a crash of the
   * machine can lose or corrupt the database) and {@code synchronous_commit=off} (an acknowledged
   * lock or claim can vanish); settings given here come after those on its command line and win.
   */
  public static EmbeddedPostgres.Builder durable(Path dataDir) {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on");
  }

  /** The URL of a running embedded database, if {@code serve} has one up under {@code dataDir}. */
  public static DatabaseUrl running(Path dataDir) {
    Path urlFile = dataDir.resolve("pg.url");
    try {
      return Files.exists(urlFile) ? new DatabaseUrl(Files.readString(urlFile).trim()) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public DatabaseUrl url() {
    return new DatabaseUrl("postgresql://postgres@localhost:" + postgres.getPort() + "/postgres");
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(urlFile);
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
