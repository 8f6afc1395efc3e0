package dev.coordinator.db;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HexFormat;
import org.postgresql.PGConnection;

/**
 * DB-3: the login every connection of the running service uses. The startup option that switches
 * a connection to {@code coordinator_service} is not a boundary by itself ({@code SET ROLE NONE}
 * returns to the login role), so the login role must have nothing beyond {@code coordinator_service}.
 *
 * <p>A URL whose user already is such a role is used as it is. A URL naming an administrator
 * (superuser, or CREATEROLE) is used for migrations only: the service then logs in as its node's
 * own role {@code coordinator_app_<node>}, created when missing, member of {@code coordinator_service}
 * and nothing else, with a fresh random password set at every start and kept only in memory. Each
 * node has its own role, so a node's start never changes the password another running node's
 * pool needs for its next connection. Any other URL (the schema owner, say) is refused: it could
 * undo the separation.
 */
public final class ServiceLogin {
  public static final String ROLE_PREFIX = "coordinator_app_";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a role may do, and whether it is exactly a member of coordinator_service owning nothing. */
  private static final String ROLE_RIGHTS = """
      SELECT r.rolsuper OR r.rolcreaterole AS manages_roles,
        NOT (r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls OR r.rolreplication)
          AND ARRAY(SELECT m.roleid::regrole::text FROM pg_auth_members m WHERE m.member = r.oid)
            = ARRAY['coordinator_service']
          AND NOT EXISTS (SELECT 1 FROM pg_database WHERE datdba = r.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspowner = r.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relowner = r.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE proowner = r.oid) AS plain
      FROM pg_roles r WHERE r.rolname = ?""";
  private static final String CURRENT_USER = "SELECT current_user::text";
  private static final String ROLE_EXISTS = "SELECT 1 FROM pg_roles WHERE rolname = ?";
  private static final String DUPLICATE_OBJECT = "42710";
  private static final String UNIQUE_VIOLATION = "23505";

  private ServiceLogin() {
  }

  /** The login role of the node serving HTTP on {@code httpPort} of this host. */
  public static String roleName(int httpPort) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "localhost";
    }
    return ROLE_PREFIX + digest(host + ":" + httpPort).substring(0, 12);
  }

  /**
   * Blocking (JDBC): the URL the service's connections use, given the configured one and this
   * node's role name.
   */
  public static DatabaseUrl prepare(DatabaseUrl configured, String role) {
    try (Connection connection = DriverManager.getConnection(configured.jdbcUrl())) {
      String user = single(connection, CURRENT_USER);
      Rights rights = rights(connection, user);
      if (rights.plain()) {
        return configured;
      }
      if (!rights.managesRoles()) {
        throw new IllegalStateException("the database user " + user + " has rights beyond " + Pools.SERVICE_ROLE
            + " (it owns objects or has role attributes) but cannot create roles; give --db-url either an administrator"
            + " (superuser or CREATEROLE) or a login that is only a member of " + Pools.SERVICE_ROLE);
      }
      String password = provision(connection, role);
      return configured.withLogin(role, password);
    } catch (SQLException e) {
      throw new IllegalStateException("could not set up the service's database login " + role + ": " + e.getMessage(), e);
    }
  }

  private static String provision(Connection connection, String role) throws SQLException {
    if (!exists(connection, role)) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("CREATE ROLE " + quoted(role) + " LOGIN INHERIT");
      } catch (SQLException e) {
        // Another process of the same node name created it meanwhile: the checks below still apply.
        if (!DUPLICATE_OBJECT.equals(e.getSQLState()) && !UNIQUE_VIOLATION.equals(e.getSQLState())) {
          throw e;
        }
      }
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("GRANT " + Pools.SERVICE_ROLE + " TO " + quoted(role));
    }
    if (!rights(connection, role).plain()) {
      throw new IllegalStateException("the role " + role + " exists with more rights than " + Pools.SERVICE_ROLE
          + " (role attributes, other memberships or owned objects); the service will not log in as it. Drop it"
          + " (DROP ROLE " + role + ") and start again");
    }
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
    // The driver hashes the password (SCRAM or md5, as the server stores them): the clear text
    // never reaches the server, its statement log included. It wipes the array it is given.
    connection.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), null);
    return password;
  }

  private record Rights(boolean managesRoles, boolean plain) {
  }

  private static Rights rights(Connection connection, String role) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(ROLE_RIGHTS)) {
      query.setString(1, role);
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return new Rights(row.getBoolean("manages_roles"), row.getBoolean("plain"));
      }
    }
  }

  private static boolean exists(Connection connection, String role) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(ROLE_EXISTS)) {
      query.setString(1, role);
      try (ResultSet row = query.executeQuery()) {
        return row.next();
      }
    }
  }

  private static String single(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getString(1);
    }
  }

  // Role names are made here (prefix and hex digits), never taken from input; quoting is belt and braces.
  private static String quoted(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static String digest(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
