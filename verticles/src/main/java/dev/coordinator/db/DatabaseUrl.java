package dev.coordinator.db;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** One database location, as the reactive client and as JDBC (for Flyway and the CLI) see it. */
public record DatabaseUrl(String url) {

  public PgConnectOptions connectOptions() {
    return PgConnectOptions.fromUri(url.startsWith("postgres://") ? "postgresql://" + url.substring(11) : url);
  }

  public String jdbcUrl() {
    PgConnectOptions options = connectOptions();
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://")
        .append(options.getHost()).append(':').append(options.getPort())
        .append('/').append(options.getDatabase())
        .append("?user=").append(encode(options.getUser()));
    if (options.getPassword() != null && !options.getPassword().isEmpty()) {
      jdbc.append("&password=").append(encode(options.getPassword()));
    }
    return jdbc.toString();
  }

  /** The same server, another database. */
  public DatabaseUrl withDatabase(String database) {
    PgConnectOptions options = connectOptions();
    String credentials = encode(options.getUser())
        + (options.getPassword() == null || options.getPassword().isEmpty() ? "" : ":" + encode(options.getPassword()));
    return new DatabaseUrl("postgresql://" + credentials + "@" + options.getHost() + ":" + options.getPort() + "/" + database);
  }

  /**
   * The same database, logged in as another user; everything else the URL says (host list, port,
   * query parameters such as sslmode) stays as it was.
   */
  public DatabaseUrl withLogin(String user, String password) {
    String scheme = url.substring(0, url.indexOf("://") + 3);
    String rest = url.substring(scheme.length());
    int pathStart = rest.indexOf('/');
    String authority = pathStart < 0 ? rest : rest.substring(0, pathStart);
    String hosts = authority.substring(authority.lastIndexOf('@') + 1);
    return new DatabaseUrl(scheme + encode(user) + ":" + encode(password) + "@" + hosts
        + (pathStart < 0 ? "" : rest.substring(pathStart)));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    PgConnectOptions options = connectOptions();
    return "postgresql://" + options.getUser() + "@" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
