package dev.coordinator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agents file: agents with their action lists, stored hashed and audited; mistakes stop the start. */
class AgentsFileTest {
  @TempDir
  Path dir;

  @Test
  void agentsWithActionListsAreStoredAndAudited() throws Exception {
    Path file = dir.resolve("agents.yaml");
    Files.writeString(file, """
        agents:
          - {id: ci, type: ci_bot, trust: 2, key: ci-secret-key-000001, allowed_actions: [submit_work, check_locks]}
          - {id: careful, type: claude_code, trust: 3, key: careful-secret-key-01, blocked_actions: [cancel_task]}
          - {id: plain, type: claude_code, trust: 2, key: plain-secret-key-0001}
        """);
    List<AgentSpec> agents = AgentsFile.read(file);
    try (TestDatabase database = TestDatabase.create()) {
      assertEquals(List.of(true, true, true), new AgentStore(database.url()).upsert(agents, "test file"));
      List<Map<String, Object>> rows = database.query(
          "SELECT id, allowed_actions, blocked_actions, key_hash = sha256(convert_to('ci-secret-key-000001', 'UTF8')) AS hashed"
              + " FROM agents ORDER BY id");
      assertEquals(List.of("submit_work", "check_locks"), rows.get(1).get("allowed_actions"));
      assertEquals(true, rows.get(1).get("hashed"), "only the key's hash is stored");
      assertEquals(List.of("cancel_task"), rows.get(0).get("blocked_actions"));
      assertEquals(null, rows.get(2).get("allowed_actions"));
      assertEquals(3L, database.value("SELECT count(*) FROM audit_log WHERE action = 'register_agent'"));
      assertEquals(false, new AgentStore(database.url()).upsert(agents.subList(0, 1), "again").get(0), "an update, not a new agent");
    }
  }

  @Test
  void mistakesAreReportedWithTheAgent() throws Exception {
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "agents:\n  - {id: ci, type: bot, trust: 2, key: ci-secret-key-000001, allowed_actions: [submit_wrok]}\n");
    IllegalArgumentException unknownAction = assertThrows(IllegalArgumentException.class, () -> AgentsFile.read(typo));
    assertTrue(unknownAction.getMessage().contains("submit_wrok"), unknownAction.getMessage());
    Path field = dir.resolve("field.yaml");
    Files.writeString(field, "agents:\n  - {id: ci, type: bot, trust: 2, key: ci-secret-key-000001, admin: true}\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentsFile.read(field)).getMessage().contains("admin"));
    Path shortKey = dir.resolve("short.yaml");
    Files.writeString(shortKey, "agents:\n  - {id: ci, type: bot, trust: 2, key: short}\n");
    assertThrows(IllegalArgumentException.class, () -> AgentsFile.read(shortKey));
  }
}
