package dev.coordinator.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.stress.fault.Fault;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** STR-1: the command line of {@code bin/stress run} (api.md §8): what it accepts and what it refuses (exit 2). */
class RunOptionsTest {
  private static RunOptions parse(String... args) throws UsageException {
    return RunOptions.parse(List.of(args), Map.of());
  }

  private static String refusal(String... args) {
    return assertThrows(UsageException.class, () -> parse(args)).getMessage();
  }

  @Test
  @DisplayName("a target outside 127.0.0.0/8 is refused unless --allow-remote-target says the operator means it")
  void remoteTargetNeedsConsent() throws Exception {
    assertTrue(refusal("--target", "http://10.1.2.3:8080", "--agents-file", "a.json").contains("outside 127.0.0.0/8"));
    assertTrue(refusal("--target", "http://127.0.0.1:8080,http://192.168.0.9:8080", "--agents-file", "a.json")
        .contains("192.168.0.9"));
    assertEquals(2, parse("--target", "http://127.0.0.1:8080,http://127.0.0.2:9090", "--agents-file", "a.json").targets().size());
    assertEquals(1, parse("--target", "http://10.1.2.3:8080", "--agents-file", "a.json", "--allow-remote-target").targets().size());
    assertTrue(refusal("--target", "http://127.0.0.1:8080").contains("--agents-file"));
  }

  @Test
  @DisplayName("faults the harness cannot inject are refused up front: node faults on a target, restart-db on a server it did not start")
  void impossibleFaultsAreRefused() throws Exception {
    assertTrue(refusal("--target", "http://127.0.0.1:8080", "--agents-file", "a.json", "--faults", "kill-node")
        .contains("kill-node"));
    assertTrue(refusal("--faults", "restart-db", "--db-url", "postgresql://postgres@127.0.0.1:5432/postgres")
        .contains("embedded"));
    assertTrue(refusal("--faults", "kill-node,unplug").contains("unknown fault unplug"));
    assertEquals(List.of("kill-node", "pause-node", "kill-db-connections", "restart-db", "client-crash"),
        parse("--faults", "all").faults().stream().map(Fault::name).toList());
  }

  @Test
  @DisplayName("STRESS_DB_URL and COORDINATOR_JAR are the defaults of --db-url and --jar (as bin/coordinator's variables are), and a flag beats them")
  void environmentGivesDefaults() throws Exception {
    Map<String, String> env = Map.of("STRESS_DB_URL", "postgresql://postgres@127.0.0.1:5432/postgres",
        "COORDINATOR_JAR", "/opt/coordinator.jar");
    RunOptions fromEnv = RunOptions.parse(List.of(), env);
    assertTrue(fromEnv.dbUrl().url().endsWith("/postgres"));
    assertEquals("/opt/coordinator.jar", fromEnv.jar().toString());
    RunOptions flagged = RunOptions.parse(List.of("--db-url", "postgresql://postgres@127.0.0.1:5432/other", "--jar", "x.jar"), env);
    assertTrue(flagged.dbUrl().url().endsWith("/other"));
    assertEquals("x.jar", flagged.jar().toString());
    assertEquals(null, parse().dbUrl());
  }

  @Test
  @DisplayName("every run is bounded: durations from 1 s to 24 h, a positive operation budget")
  void runsAreBounded() throws Exception {
    assertEquals(1_200_000, parse("--duration", "20m").durationMillis());
    assertEquals(60_000, parse().durationMillis());
    assertTrue(refusal("--duration", "0s").contains("--duration"));
    assertTrue(refusal("--duration", "forever").contains("--duration"));
    assertTrue(refusal("--max-ops", "0").contains("--max-ops"));
    assertTrue(refusal("--scenario", "chaos").contains("--scenario"));
    assertTrue(refusal("--nodes").contains("Missing required parameter for option '--nodes'"));
    assertTrue(refusal("--nodse", "2").contains("--nodse"));
  }
}
