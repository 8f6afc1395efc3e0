package dev.coordinator.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.TestService;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** {@code bin/coordinator mcp-stdio} as an MCP client launches it: the Java SDK's stdio transport, through the bridge, to the service. */
class McpStdioBridgeIT {
  private static final Path LAUNCHER = Path.of(System.getProperty("coordinator.launcher", "../bin/coordinator"));
  private static final Path JAR = Path.of(System.getProperty("coordinator.jar", "target/coordinator.jar"));

  @Test
  void aStdioClientReachesTheServiceThroughTheBridge() {
    try (TestService service = TestService.start()) {
      String key = service.agent("stdio-agent", "claude_code", 2);
      ServerParameters bridge = ServerParameters.builder(LAUNCHER.toAbsolutePath().toString()).args("mcp-stdio")
          .env(Map.of("COORDINATOR_URL", "http://127.0.0.1:" + service.config().httpPort(), "COORDINATOR_KEY", key,
              "COORDINATOR_JAR", JAR.toAbsolutePath().toString()))
          .build();
      StdioClientTransport transport = new StdioClientTransport(bridge, new JacksonMcpJsonMapper(JsonMapper.builder().build()));
      try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
          .initializationTimeout(Duration.ofSeconds(60)).build()) {
        client.initialize();
        assertTrue(client.listTools().tools().size() >= 20);
        McpSchema.CallToolResult acquired = client.callTool(new McpSchema.CallToolRequest("acquire_lock",
            Map.of("key", "src/stdio.py")));
        assertEquals(false, acquired.isError(), acquired.toString());
        assertEquals("stdio-agent", service.database().value("SELECT holder FROM locks WHERE key = 'src/stdio.py'"));
      }
    }
  }
}
