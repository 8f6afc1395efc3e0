package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Commands;
import dev.coordinator.testing.RunningService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The TypeScript MCP SDK ({@code mcp-clients/}, pinned by package-lock.json) over WebSocket: the
 * agent story, and every mutating tool refused for a read-only agent (ENF-1). Runs where
 * {@code node} and {@code npm} are on the PATH, and says so where they are not.
 */
class McpTypeScriptTest {
  @RegisterExtension
  static final RunningService service = new RunningService();
  private static final Path CLIENTS = Path.of(System.getProperty("coordinator.mcp-clients", "../mcp-clients"));

  private static boolean onPath(String command) throws IOException, InterruptedException {
    return new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() == 0;
  }

  private static String run(Path directory, long timeoutSeconds, List<String> command, String... env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    for (int i = 0; i < env.length; i += 2) {
      builder.environment().put(env[i], env[i + 1]);
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(timeoutSeconds, TimeUnit.SECONDS), command + " did not finish");
    assertEquals(0, process.exitValue(), command + ":\n" + output);
    return output;
  }

  @Test
  void theTypeScriptSdkTellsTheWholeStoryOverWebSocket() throws Exception {
    Assumptions.assumeTrue(onPath("node") && onPath("npm"), "node and npm are not on the PATH: the TypeScript SDK test is skipped");
    if (!Files.isDirectory(CLIENTS.resolve("node_modules"))) {
      run(CLIENTS, 300, List.of("npm", "ci", "--no-audit", "--no-fund"));
    }
    String mutating = Commands.mutations().stream().map(type -> Commands.action(type).value())
        .filter(name -> new McpTools().named(name).isPresent()).collect(Collectors.joining(","));
    String output = run(CLIENTS, 120, List.of("node", "ws-story.mjs"),
        "COORDINATOR_WS", "ws://127.0.0.1:" + service.port() + "/mcp",
        "WRITER_KEY", service.agent("ts-writer", "claude_code", 2),
        "READER_KEY", service.agent("ts-reader", "claude_code", 1),
        "MUTATING_TOOLS", mutating);
    assertTrue(output.contains("ws-story: OK"), output);
    assertEquals(0L, service.database().value("SELECT count(*) FROM locks WHERE key = 'src/ts-denied.py'"));
  }
}
