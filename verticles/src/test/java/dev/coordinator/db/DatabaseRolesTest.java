package dev.coordinator.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.TestDatabase;
import dev.coordinator.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DB-3, HARD-1: the rights the running service has. The service is started with a superuser URL
 * (the embedded and documented default); every connection here is opened exactly as the
 * service's own connections are (its URL and its connect options), so whatever it can do, a
 * compromised service host could do.
 */
@Tag("DB-3")
@Tag("HARD-1")
class DatabaseRolesTest {
  @RegisterExtension
  static final RunningService SERVICE = new RunningService();

  @BeforeAll
  static void create() {
    SERVICE.database().execute(
        "INSERT INTO agents (id, agent_type, trust, key_hash) VALUES ('a', 't', 2, sha256('k'::bytea))",
        "INSERT INTO audit_log (agent, action, decision, outcome) VALUES ('a', 'acquire_lock', 'allow', 'ok')");
  }

  @AfterEach
  void dropWhatAnAttackMayHaveCreated() {
    database().execute("DROP ROLE IF EXISTS coordinator_roles_test_evil");
  }

  private static TestDatabase database() {
    return SERVICE.database();
  }

  /** Runs the statements one after the other on one new connection of the service; the rows of the last. */
  private static List<Row> run(String... sql) {
    return PgConnection.connect(SERVICE.vertx(), Pools.connectOptions(SERVICE.service().serviceDatabase()))
        .compose(connection -> {
          Future<RowSet<Row>> chain = Future.succeededFuture();
          for (String each : sql) {
            chain = chain.compose(ignored -> connection.query(each).execute());
          }
          return chain.eventually(connection::close);
        })
        .map(rows -> {
          List<Row> list = new ArrayList<>();
          rows.forEach(list::add);
          return list;
        })
        .await();
  }

  @Test
  void theServiceRunsAsTheServiceRoleEvenWhenTheUrlNamesASuperuser() {
    Row row = run("SELECT current_user::text AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super")
        .get(0);
    assertEquals(Pools.SERVICE_ROLE, row.getString("role"));
    assertEquals(false, row.getBoolean("super"));
  }

  @Test
  void theServiceLogsInAsAPlainMemberOfTheServiceRoleOnly() {
    Row login = run("""
        SELECT r.rolname::text AS name, r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls OR r.rolreplication AS admin,
          ARRAY(SELECT m.roleid::regrole::text FROM pg_auth_members m WHERE m.member = r.oid) AS member_of
        FROM pg_roles r WHERE r.rolname = session_user""").get(0);
    assertFalse(login.getBoolean("admin"), login.toJson().encode());
    assertEquals(List.of(Pools.SERVICE_ROLE), List.of(login.getArrayOfStrings("member_of")), login.toJson().encode());
  }

  /** Each runs on one service connection; SET ROLE NONE (unlike RESET ROLE) returns to the login role. */
  static List<List<String>> attacks() {
    return List.of(
        List.of("SET ROLE NONE", "ALTER TABLE audit_log DISABLE TRIGGER USER", "UPDATE audit_log SET reason = 'rewritten'"),
        List.of("SET ROLE NONE", "SET session_replication_role = replica", "UPDATE audit_log SET reason = 'rewritten'"),
        List.of("SET ROLE NONE", "UPDATE agents SET trust = 4"),
        List.of("SET ROLE NONE", "CREATE ROLE coordinator_roles_test_evil"),
        List.of("CREATE ROLE coordinator_roles_test_evil"),
        // Changes nothing if it ran (-1 is the default), so a red run leaves the shared server alone.
        List.of("SET ROLE NONE", "ALTER ROLE coordinator_service CONNECTION LIMIT -1"),
        List.of("SET ROLE NONE", "DO $$ BEGIN EXECUTE format('ALTER ROLE %I CONNECTION LIMIT -1', session_user); END $$"),
        List.of("SET SESSION AUTHORIZATION postgres", "UPDATE agents SET trust = 4"),
        List.of("SET ROLE postgres", "UPDATE agents SET trust = 4"),
        List.of("RESET ROLE", "DROP TABLE audit_log CASCADE"),
        List.of("DROP TABLE audit_log CASCADE"),
        // Last: on the unfixed service these succeed, and the table is gone for what follows.
        List.of("SET ROLE NONE", "DROP TABLE audit_log CASCADE"),
        List.of("SET ROLE postgres", "DROP TABLE audit_log CASCADE"),
        List.of("UPDATE audit_log SET reason = 'rewritten'"),
        List.of("SET ROLE NONE", "COPY (SELECT 1) TO PROGRAM 'true'"));
  }

  @ParameterizedTest(name = "DB-3 a service connection may not become more: {0}")
  @MethodSource("attacks")
  void aServiceConnectionCannotBecomeMore(List<String> attack) {
    long auditRows = database().count("audit_log");
    Map<String, Object> before = database().query("SELECT count(*) AS n, max(trust) AS trust FROM agents").get(0);
    assertThrows(Exception.class, () -> run(attack.toArray(String[]::new)), String.join("; ", attack));
    assertEquals(auditRows, database().count("audit_log"));
    assertEquals(0L, database().value("SELECT count(*) FROM audit_log WHERE reason = 'rewritten'"));
    assertEquals(true, database().value("SELECT 'audit_log' = ALL(SELECT tgrelid::regclass::text FROM pg_trigger"
        + " WHERE tgname = 'audit_no_update' AND tgenabled = 'O')"));
    assertEquals(before, database().query("SELECT count(*) AS n, max(trust) AS trust FROM agents").get(0));
    assertEquals(0L, database().value("SELECT count(*) FROM pg_roles WHERE rolname = 'coordinator_roles_test_evil'"));
    assertEquals(0L, database().value("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'coordinator_app%' AND rolsuper"));
  }

  @ParameterizedTest(name = "DB-3 the service role may not: {0}")
  @ValueSource(strings = {
      "UPDATE audit_log SET reason = 'rewritten'",
      "DELETE FROM audit_log",
      "TRUNCATE audit_log",
      "UPDATE audit_seals SET hash = sha256(hash)",
      "DELETE FROM audit_seals",
      "TRUNCATE audit_seals",
      "INSERT INTO audit_seals (seq, audit_id, audit_xid, prev_hash, hash)"
          + " VALUES (1000000, 1000000, '1', sha256('x'::bytea), sha256('x'::bytea))",
      "ALTER TABLE audit_seals DISABLE TRIGGER USER",
      // The sealing position and time of a row are the database's: the service cannot choose them.
      "INSERT INTO audit_log (xid, agent, action, decision, outcome) VALUES ('1', 'a', 'release_lock', 'allow', 'ok')",
      "INSERT INTO audit_log (at, agent, action, decision, outcome) VALUES (now() - interval '1 day', 'a', 'release_lock', 'allow', 'ok')",
      "INSERT INTO agents (id, agent_type, trust, key_hash) VALUES ('evil', 't', 4, sha256('x'::bytea))",
      "UPDATE agents SET trust = 4",
      "DELETE FROM agents",
      "ALTER TABLE audit_log DISABLE TRIGGER USER",
      "ALTER TABLE audit_log DISABLE TRIGGER audit_no_update",
      "ALTER TABLE audit_log DISABLE TRIGGER audit_no_truncate",
      "ALTER TABLE audit_log DISABLE TRIGGER audit_chain_append",
      "DROP TRIGGER audit_no_update ON audit_log",
      "ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY",
      "DROP TABLE locks"})
  void theServiceRoleCannot(String sql) {
    long auditRows = database().count("audit_log");
    Exception refused = assertThrows(Exception.class, () -> run(sql), sql);
    assertTrue(refused.getMessage().contains("permission denied") || refused.getMessage().contains("must be owner")
        || refused.getMessage().contains("append-only"), refused.getMessage());
    assertEquals(auditRows, database().count("audit_log"));
  }

  /**
   * Whichever roles the server has, the catalog's list at the time: a service connection becomes
   * none of them (SET ROLE NONE, to its own login, is held by {@link #aServiceConnectionCannotBecomeMore}).
   * One DO block tries each and leaves the names it could become in a setting read back after it.
   */
  @Test
  void theServiceCannotSetRoleToAnyOtherRole() {
    List<Row> became = run("""
        DO $$
        DECLARE
          target text;
          became text[] := '{}';
        BEGIN
          FOR target IN SELECT rolname FROM pg_roles WHERE rolname NOT IN ('coordinator_service', session_user) LOOP
            BEGIN
              EXECUTE format('SET ROLE %I', target);
              became := became || ('SET ROLE ' || target);
            -- undefined_object: a role another test run dropped since the loop began.
            EXCEPTION WHEN insufficient_privilege OR undefined_object THEN NULL;
            END;
            BEGIN
              EXECUTE format('SET SESSION AUTHORIZATION %I', target);
              became := became || ('SET SESSION AUTHORIZATION ' || target);
            EXCEPTION WHEN insufficient_privilege OR undefined_object THEN NULL;
            END;
          END LOOP;
          PERFORM set_config('roles_test.became', array_to_string(became, ', '), false);
        END $$""",
        "SELECT current_setting('roles_test.became') AS became, (SELECT count(*) FROM pg_roles) AS roles");
    assertTrue(became.get(0).getLong("roles") >= 3, "the catalog lists the roles");
    assertEquals("", became.get(0).getString("became"), "DB-3: a service connection could become another role");
  }

  /**
   * Every table of the schema, from the catalog: a new table is covered without a change here.
   * Statements name them with their schema, so a role without USAGE on it is refused, not lost in its search path.
   */
  private static List<String> tables() {
    List<String> tables = database().query("SELECT table_name::text AS name FROM information_schema.tables"
        + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1").stream()
        .map(row -> (String) row.get("name")).toList();
    assertTrue(tables.containsAll(List.of("agents", "audit_log", "locks", "tasks", "memories")), tables::toString);
    return tables;
  }

  /** A column an UPDATE may name (not generated), so only the privilege check can refuse {@code SET c = c}. */
  private static String updatableColumn(String table) {
    return (String) database().value("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public'"
        + " AND table_name = ? AND is_generated = 'NEVER' AND is_identity = 'NO' ORDER BY ordinal_position LIMIT 1", table);
  }

  /** A login role of its own (roles are server-wide, so the name is fresh), a member of {@code memberOf} if not null. */
  private static String login(String memberOf) {
    String role = "coordinator_roles_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    database().execute("CREATE ROLE " + role + " LOGIN" + (memberOf == null ? "" : " IN ROLE " + memberOf));
    return role;
  }

  /**
   * Runs each statement on one connection as {@code login} (then as {@code role}, if not null, after
   * SET ROLE): the statements that were not refused for want of a privilege (SQLSTATE 42501), with what they did.
   */
  private static List<String> notRefused(String login, String role, List<String> statements) {
    List<String> ran = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(database().url().withLogin(login, "unused-with-trust-auth").jdbcUrl());
         Statement statement = connection.createStatement()) {
      if (role != null) {
        statement.execute("SET ROLE " + role);
      }
      for (String sql : statements) {
        try {
          statement.execute(sql);
          ran.add(sql + ": ran");
        } catch (SQLException e) {
          if (!"42501".equals(e.getSQLState())) {
            ran.add(sql + ": " + e.getSQLState() + " " + e.getMessage());
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return ran;
  }

  @Test
  void theReadOnlyRoleWritesNothingToAnyTable() {
    String login = login("coordinator_readonly");
    try {
      assertEquals(List.of("SELECT count(*) FROM public.locks: ran"),
          notRefused(login, "coordinator_readonly", List.of("SELECT count(*) FROM public.locks")),
          "the read-only role reads what it is for (the connection works)");
      List<String> writes = new ArrayList<>();
      for (String table : tables()) {
        String column = updatableColumn(table);
        writes.add("INSERT INTO public." + table + " DEFAULT VALUES");
        writes.add("UPDATE public." + table + " SET " + column + " = " + column);
        writes.add("DELETE FROM public." + table);
        writes.add("TRUNCATE public." + table);
      }
      Map<String, List<String>> before = database().snapshot();
      assertEquals(List.of(), notRefused(login, "coordinator_readonly", writes), "DB-3: the read-only role wrote");
      assertEquals(before, database().snapshot());
    } finally {
      database().execute("DROP ROLE IF EXISTS " + login);
    }
  }

  @Test
  void aRoleWithNoGrantsReadsNoTable() {
    String login = login(null);
    try {
      List<String> reads = tables().stream().map(table -> "SELECT * FROM public." + table + " LIMIT 1").toList();
      assertEquals(List.of(), notRefused(login, null, reads), "DB-3: a role nobody granted anything read a table");
    } finally {
      database().execute("DROP ROLE IF EXISTS " + login);
    }
  }

  @Test
  void theServiceRoleReadsAgentsAndWritesLocksAndAudit() {
    run("SELECT id, trust FROM agents");
    run("INSERT INTO locks (key, holder, agent_type, fencing_token, ttl_seconds, acquired_at, expires_at)"
        + " VALUES ('k', 'a', 't', nextval('lock_fencing_token_seq'), 60, now(), now() + interval '1 minute')");
    run("DELETE FROM locks WHERE key = 'k'");
    long auditRows = database().count("audit_log");
    run("INSERT INTO audit_log (agent, action, decision, outcome) VALUES ('a', 'release_lock', 'allow', 'ok')");
    assertEquals(auditRows + 1, database().count("audit_log"));
    // AUD-2: it may ask for sealing (the seal is the database's making, from committed rows only).
    run("SELECT audit_seal(10000)");
  }

  private static String password(String role) {
    return (String) database().value("SELECT rolpassword FROM pg_authid WHERE rolname = ?", role);
  }

  @Test
  void eachNodeHasItsOwnLoginWithAFreshHashedPasswordAtEachStart() {
    String a = "coordinator_app_roles_test_a";
    String b = "coordinator_app_roles_test_b";
    try {
      DatabaseUrl first = ServiceLogin.prepare(database().url(), a);
      String firstHash = password(a);
      assertEquals(a, first.connectOptions().getUser());
      assertTrue(firstHash.startsWith("SCRAM-SHA-256$"), firstHash);
      assertFalse(firstHash.contains(first.connectOptions().getPassword()));

      DatabaseUrl restarted = ServiceLogin.prepare(database().url(), a);
      assertFalse(firstHash.equals(password(a)), "a restart sets a fresh password");
      assertFalse(first.connectOptions().getPassword().equals(restarted.connectOptions().getPassword()));

      String restartedHash = password(a);
      ServiceLogin.prepare(database().url(), b);
      assertEquals(restartedHash, password(a), "another node's start leaves this node's password alone");
    } finally {
      database().execute("DROP ROLE IF EXISTS " + a, "DROP ROLE IF EXISTS " + b);
    }
  }

  @Test
  void aUrlThatIsAlreadyAPlainMemberOfTheServiceRoleIsUsedAsItIs() {
    String plain = "coordinator_roles_test_plain";
    database().execute("DROP ROLE IF EXISTS " + plain, "CREATE ROLE " + plain + " LOGIN",
        "GRANT coordinator_service TO " + plain);
    try {
      DatabaseUrl url = database().url().withLogin(plain, "unused-with-trust-auth");
      assertEquals(url, ServiceLogin.prepare(url, "coordinator_app_roles_test_unused"));
      assertEquals(0L, database().value("SELECT count(*) FROM pg_roles WHERE rolname = 'coordinator_app_roles_test_unused'"));
    } finally {
      database().execute("DROP ROLE IF EXISTS " + plain);
    }
  }

  @Test
  void theServiceStartsWithAUrlThatIsOnlyAMemberOfTheServiceRole() {
    String plain = "coordinator_roles_test_serve";
    database().execute("DROP ROLE IF EXISTS " + plain, "CREATE ROLE " + plain + " LOGIN",
        "GRANT coordinator_service TO " + plain);
    try {
      DatabaseUrl url;
      try (TestService service = TestService.start(admin -> admin.withLogin(plain, "unused-with-trust-auth"))) {
        url = service.serviceDatabase();
        // What serve does first: Flyway finds the schema current (and changes nothing).
        assertEquals(0, Migrations.migrate(url).migrationsExecuted);
        String key = service.agent("plain", "claude_code", 2);
        assertEquals(200, service.http().post("/v1/locks/acquire", key,
            new JsonObject().put("key", "src/plain.py")).status());
        assertEquals(List.of(plain), service.database().query(
            "SELECT DISTINCT usename::text AS login FROM pg_stat_activity WHERE datname = current_database()"
                + " AND pid <> pg_backend_pid()").stream().map(row -> row.get("login")).toList());
      }
      assertEquals(plain, url.connectOptions().getUser());
    } finally {
      database().execute("DROP ROLE IF EXISTS " + plain);
    }
  }

  @Test
  void aLoginRoleThatGainedMoreRightsIsRefused() {
    String role = "coordinator_app_roles_test_grown";
    try {
      ServiceLogin.prepare(database().url(), role);
      database().execute("ALTER ROLE " + role + " CREATEDB");
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> ServiceLogin.prepare(database().url(), role));
      assertTrue(refused.getMessage().contains("more rights"), refused.getMessage());
    } finally {
      database().execute("DROP ROLE IF EXISTS " + role);
    }
  }

  @Test
  void anOwnerThatCannotCreateRolesIsRefused() {
    String owner = "coordinator_roles_test_owner";
    database().execute("DROP ROLE IF EXISTS " + owner, "CREATE ROLE " + owner + " LOGIN",
        "GRANT coordinator_service TO " + owner, "CREATE TABLE owned_by_test_owner (x int)",
        "ALTER TABLE owned_by_test_owner OWNER TO " + owner);
    try {
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> ServiceLogin.prepare(database().url().withLogin(owner, "unused"), "coordinator_app_roles_test_unused"));
      assertTrue(refused.getMessage().contains("cannot create roles"), refused.getMessage());
    } finally {
      database().execute("DROP TABLE owned_by_test_owner", "DROP ROLE IF EXISTS " + owner);
    }
  }

  /** AUD-2: the audit trail and its seals are append-only for their owner too, not only for the service role. */
  @Test
  void evenTheOwnerCannotRewriteAuditRowsOrSeals() {
    database().execute("INSERT INTO audit_log (agent, action, decision, outcome) VALUES ('a', 'release_lock', 'allow', 'ok')");
    database().awaitAuditSealed();
    for (String table : new String[] {"audit_log", "audit_seals"}) {
      assertThrows(IllegalStateException.class, () -> database().execute("DELETE FROM " + table));
      assertThrows(IllegalStateException.class, () -> database().execute("TRUNCATE " + table));
    }
    assertThrows(IllegalStateException.class, () -> database().execute("UPDATE audit_log SET reason = 'x'"));
    assertThrows(IllegalStateException.class, () -> database().execute("UPDATE audit_seals SET hash = sha256(hash)"));
  }

  @Test
  void migrationsRunOnAServerWhereTheRolesAlreadyExist() {
    try (TestDatabase second = TestDatabase.create()) {
      assertEquals(1L, second.value("SELECT count(*) FROM flyway_schema_history WHERE success AND version = '1'"));
      assertEquals(0L, second.count("audit_seals"));
    }
  }
}
