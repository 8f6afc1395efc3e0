package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coordinator.db.Pools;
import dev.coordinator.testing.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ENF-3: each seeded guardrail catches its operation's common spellings and leaves look-alikes alone. */
class GuardrailPatternsTest {
  private static TestDatabase database;
  private static Vertx vertx;
  private static Pool pool;
  private static final Guardrails GUARDRAILS = new Guardrails();

  @BeforeAll
  static void load() throws Exception {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    pool = Pools.create(vertx, database.url(), 1);
    GUARDRAILS.load(pool).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    database.close();
  }

  static Stream<Arguments> positives() {
    return Stream.of(
        Arguments.of("git-force-push", "git push --force origin main"),
        Arguments.of("git-force-push", "git push -f"),
        Arguments.of("git-force-push", "git push origin +main"),
        Arguments.of("git-force-push", "git push -uf origin feature"),
        Arguments.of("git-force-push", "GIT PUSH --FORCE-WITH-LEASE"),
        Arguments.of("git-hard-reset", "git reset --hard HEAD~3"),
        Arguments.of("git-hard-reset", "git -C repo reset --hard"),
        Arguments.of("git-force-clean", "git clean -fdx"),
        Arguments.of("git-force-clean", "git clean -d --force"),
        Arguments.of("git-branch-delete", "git branch -D old-feature"),
        Arguments.of("git-branch-delete", "git branch --delete topic"),
        Arguments.of("git-branch-delete", "git push origin --delete topic"),
        Arguments.of("git-branch-delete", "git push origin :topic"),
        Arguments.of("rm-recursive-force", "rm -rf /"),
        Arguments.of("rm-recursive-force", "rm -fr build"),
        Arguments.of("rm-recursive-force", "rm -r -f build"),
        Arguments.of("rm-recursive-force", "rm --recursive --force build"),
        Arguments.of("rm-recursive-force", "sudo rm -Rf /var/lib"),
        Arguments.of("rm-recursive-force", "cd /tmp && rm -rfv x"),
        Arguments.of("find-delete", "find . -name '*.log' -delete"),
        Arguments.of("find-delete", "find /srv -type f -exec rm {} +"),
        Arguments.of("sql-drop-truncate", "DROP TABLE users;"),
        Arguments.of("sql-drop-truncate", "drop database prod"),
        Arguments.of("sql-drop-truncate", "TRUNCATE orders"),
        Arguments.of("sql-drop-truncate", "truncate table audit_log"),
        Arguments.of("sql-delete-without-where", "DELETE FROM users;"),
        Arguments.of("sql-delete-without-where", "delete from users"),
        Arguments.of("sql-delete-without-where", "DELETE FROM users WHERE 1=1;"),
        Arguments.of("sql-delete-without-where", "delete from users where true"),
        Arguments.of("sql-delete-without-where", "DELETE FROM users WHERE 'a' = 'a';"),
        Arguments.of("sql-update-without-where", "UPDATE users SET admin = true;"),
        Arguments.of("sql-update-without-where", "update accounts set balance = 0"),
        Arguments.of("sql-update-without-where", "UPDATE users SET admin = true WHERE 1=1;"),
        Arguments.of("credential-files", "cat ~/.ssh/id_rsa"),
        Arguments.of("credential-files", "cp .env /tmp/"),
        Arguments.of("credential-files", "open config/.env.production"),
        Arguments.of("credential-files", "read server.pem"),
        Arguments.of("credential-files", "upload ~/.aws/credentials"),
        Arguments.of("credential-files", "edit .npmrc"),
        Arguments.of("deploy-publish", "npm publish --access public"),
        Arguments.of("deploy-publish", "cargo publish"),
        Arguments.of("deploy-publish", "mvn -B clean deploy"),
        Arguments.of("deploy-publish", "kubectl apply -f prod.yaml"),
        Arguments.of("deploy-publish", "terraform destroy -auto-approve"),
        Arguments.of("deploy-publish", "docker push registry/app:latest"),
        Arguments.of("deploy-publish", "twine upload dist/*"));
  }

  static Stream<Arguments> negatives() {
    return Stream.of(
        "git push origin main", "git push -u origin feature", "git reset --soft HEAD~1", "git clean -n",
        "git branch -a", "git branch new-feature", "rm -r build", "rm -f file.txt", "rm notes.md",
        "find . -name '*.log'", "DELETE FROM users WHERE id = 42;", "delete from sessions where expires_at < now()",
        "UPDATE users SET name = 'x' WHERE id = 7;", "select * from orders", "the environment is fine",
        "keyboard.py", "npm install", "mvn -B verify", "kubectl get pods", "docker build .", "drop the ball",
        "reset the counter", "format --force-colors")
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0} catches: {1}")
  @MethodSource("positives")
  void catches(String guardrail, String text) {
    List<String> matched = GUARDRAILS.check(text, 2).stream().map(Guardrails.Violation::pattern).toList();
    assertEquals(true, matched.contains(guardrail), text + " matched " + matched);
  }

  @ParameterizedTest(name = "nothing in: {0}")
  @MethodSource("negatives")
  void leavesHarmlessTextAlone(String text) {
    assertEquals(List.of(), GUARDRAILS.check(text, 2).stream().map(Guardrails.Violation::pattern).toList(), text);
  }

  @ParameterizedTest(name = "found after {0} characters")
  @MethodSource("offsets")
  void scansTheWholeText(int offset) {
    String text = "x".repeat(offset) + "\nrm -rf /home\n" + "y".repeat(500);
    assertEquals(List.of("rm-recursive-force"), GUARDRAILS.check(text, 2).stream().map(Guardrails.Violation::pattern).toList());
  }

  static Stream<Arguments> offsets() {
    return Stream.of(0, 1_999, 2_000, 2_001, 100_000, 1_000_000).map(Arguments::of);
  }

  @ParameterizedTest(name = "trust {0}")
  @MethodSource("trusts")
  void trustBypassesOnlyAtItsLevel(int trust, boolean blocked) {
    Guardrails.Violation violation = GUARDRAILS.check("git reset --hard", trust).get(0);
    assertEquals(blocked, violation.blocked());
    assertEquals(!blocked, violation.bypassed());
  }

  static Stream<Arguments> trusts() {
    return Stream.of(Arguments.of(1, true), Arguments.of(2, true), Arguments.of(3, false), Arguments.of(4, false));
  }
}
