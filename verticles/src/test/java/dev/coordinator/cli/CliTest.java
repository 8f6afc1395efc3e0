package dev.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.config.ConfigReader;
import dev.coordinator.config.EnvOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** OPS-2: one command line for every command; its help, typo hints, environment defaults and exit codes. */
class CliTest {
  private static final Map<String, String> NO_ENV = Map.of();

  @Test
  @DisplayName("OPS-2: --help lists every command")
  void rootHelpListsEveryCommand() {
    Run help = Run.of(NO_ENV, "--help");
    assertEquals(0, help.exit(), help::toString);
    for (String command : List.of("serve", "migrate", "agent", "mcp-stdio", "status", "locks", "tasks", "audit", "help")) {
      assertTrue(help.out().contains("\n  " + command + " "), () -> command + " missing from\n" + help);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"serve", "migrate", "agent add"})
  @DisplayName("OPS-2: a service command's help names every setting with its environment variable")
  void serviceHelpNamesEveryFlagWithItsVariable(String command) {
    Run help = Run.of(NO_ENV, (command + " --help").split(" "));
    assertEquals(0, help.exit(), help::toString);
    String text = help.out().replaceAll("\\s+", " ");
    for (EnvOption setting : ConfigReader.SETTINGS) {
      assertTrue(text.contains(setting.flag() + "=") || text.contains(setting.flag() + "[="), () -> setting.flag() + " missing from\n" + help);
      assertTrue(text.contains("env " + setting.env() + ";"), () -> setting.env() + " missing from\n" + help);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "locks", "tasks", "audit verify"})
  @DisplayName("OPS-2: an operator command's help names --url/COORDINATOR_URL, --key/COORDINATOR_KEY and --json")
  void operatorHelpNamesTheServiceAndKey(String command) {
    Run help = Run.of(NO_ENV, (command + " --help").split(" "));
    assertEquals(0, help.exit(), help::toString);
    String text = help.out().replaceAll("\\s+", " ");
    for (String expected : List.of("--url=URL", "env COORDINATOR_URL; default http://127.0.0.1:8080",
        "--key=KEY", "env COORDINATOR_KEY;", "--json")) {
      assertTrue(text.contains(expected), () -> expected + " missing from\n" + help);
    }
  }

  @Test
  @DisplayName("OPS-2: a mistyped command or flag gets a 'did you mean' and exit 2")
  void typosGetSuggestions() {
    Run command = Run.of(NO_ENV, "stauts");
    assertEquals(2, command.exit(), command::toString);
    assertTrue(command.err().contains("Did you mean: status"), command::toString);
    Run flag = Run.of(NO_ENV, "serve", "--http-prot", "9000");
    assertEquals(2, flag.exit(), flag::toString);
    assertTrue(flag.err().contains("Did you mean: --http-host or --http-port?"), flag::toString);
  }

  @Test
  @DisplayName("OPS-2: no command, a command group alone, a bad value or a missing required flag is a usage error (exit 2)")
  void usageErrorsExitTwo() {
    assertEquals(2, Run.of(NO_ENV).exit());
    assertEquals(2, Run.of(NO_ENV, "audit").exit());
    Run missing = Run.of(NO_ENV, "agent", "add", "--id", "bob", "--type", "codex");
    assertEquals(2, missing.exit(), missing::toString);
    assertTrue(missing.err().contains("--trust"), missing::toString);
    Run badValue = Run.of(NO_ENV, "serve", "--http-port", "70000");
    assertEquals(2, badValue.exit(), badValue::toString);
    assertEquals("coordinator: --http-port must be a whole number from 0 to 65535, not 70000\n", badValue.err());
    // A database nobody listens on: were the variable not read, migrate would fail fast instead of succeeding.
    Run badEnv = Run.of(Map.of("COORDINATOR_ENFORCEMENT", "maybe"), "migrate", "--db-url", "postgresql://nobody@127.0.0.1:1/none");
    assertEquals(2, badEnv.exit(), badEnv::toString);
    assertTrue(badEnv.err().startsWith("coordinator: --enforcement must be one of"), badEnv::toString);
  }

  @Test
  @DisplayName("OPS-2: operator commands take the service and key from the environment unless a flag says otherwise")
  void operatorFlagsDefaultToTheEnvironment() {
    CommandLine cli = Cli.build(Map.of("COORDINATOR_URL", "http://10.0.0.1:9000", "COORDINATOR_KEY", "from-env"));
    CommandLine.ParseResult parsed = cli.parseArgs("locks", "--key", "from-flag");
    CommandLine.Model.CommandSpec locks = parsed.subcommand().commandSpec();
    assertEquals("http://10.0.0.1:9000", Remote.URL.valueIn(locks));
    assertEquals("from-flag", Remote.KEY.valueIn(locks));
    CommandLine.ParseResult defaults = Cli.build(NO_ENV).parseArgs("status");
    assertEquals("http://127.0.0.1:8080", Remote.URL.valueIn(defaults.subcommand().commandSpec()));
  }

  @Test
  @DisplayName("OPS-2: agent add's own flags and the settings are read apart")
  void agentAddFlagsAndSettingsAreKeptApart() {
    CommandLine.ParseResult parsed = Cli.build(Map.of("COORDINATOR_HTTP_PORT", "9000"))
        .parseArgs("agent", "add", "--id", "bob", "--http-port", "81", "--trust=2", "--type", "codex");
    CommandLine.ParseResult add = parsed.subcommand().subcommand();
    assertEquals("bob", add.matchedOptionValue("--id", null));
    assertEquals("2", add.matchedOptionValue("--trust", null));
    assertEquals(81, ConfigReader.read(add.commandSpec()).httpPort());
  }

  @Test
  @DisplayName("OPS-2: without a key an operator command says so and exits 2 before calling anyone")
  void noKeyIsAUsageError() {
    Run run = Run.of(NO_ENV, "locks");
    assertEquals(2, run.exit(), run::toString);
    assertTrue(run.err().contains("COORDINATOR_KEY"), run::toString);
  }
}
