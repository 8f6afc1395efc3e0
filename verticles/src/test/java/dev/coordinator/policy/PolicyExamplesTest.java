package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coordinator.bus.Commands;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * POL-1: the examples corpus of policies/: every ALLOW example is allowed and every DENY example
 * denied, by both engines. The corpus holds POL-2's levels: trust 0 denied reads, trust 1 reads
 * but neither acquires nor claims, trust 2 writes its own, trust 3 administers.
 */
class PolicyExamplesTest {
  static final Path POLICIES = Path.of(System.getProperty("coordinator.policies", "../policies"));
  private static CedarPolicyEngine cedar;
  private static final NativePolicyEngine NATIVE = new NativePolicyEngine();

  @BeforeAll
  static void load() throws CedarPolicies.InvalidPolicies {
    cedar = new CedarPolicyEngine(POLICIES);
  }

  static Stream<Arguments> examples() throws IOException {
    return Stream.of("allow", "deny").flatMap(verdict -> {
      try (Stream<Path> files = Files.list(POLICIES.resolve("examples").resolve(verdict))) {
        List<Path> found = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
        assertFalse(found.isEmpty(), "no " + verdict + " examples");
        return found.stream().map(file -> Arguments.of(verdict, file.getFileName().toString(), file));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** An example's principal and request, as the engines see them. */
  static Principal principal(JsonObject json) {
    JsonArray allowed = json.getJsonArray("allowed_actions");
    return new Principal(json.getString("id"), json.getString("type"), json.getInteger("trust"), allowed != null,
        strings(allowed), strings(json.getJsonArray("blocked_actions")));
  }

  private static Set<String> strings(JsonArray array) {
    return array == null ? Set.of() : Set.copyOf(array.stream().map(String::valueOf).toList());
  }

  static PolicyRequest request(JsonObject example) {
    PolicyRequest named = PolicyRequest.named(example.getString("action"), example.getString("resource"));
    return new PolicyRequest(named.action(), named.group(), named.resourceKind(), named.resource(),
        example.getBoolean("reads_others", false));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("examples")
  void theEnginesAgreeWithTheExample(String verdict, String name, Path file) throws IOException {
    JsonObject example = new JsonObject(Files.readString(file));
    Principal principal = principal(example.getJsonObject("principal"));
    PolicyRequest request = request(example);
    Decision byCedar = cedar.decide(principal, request);
    Decision byNative = NATIVE.decide(principal, request);
    assertEquals(verdict.equals("allow"), byCedar.allowed(), name + " by cedar: " + byCedar.reason());
    assertEquals(verdict.equals("allow"), byNative.allowed(), name + " by native: " + byNative.reason());
  }

  @org.junit.jupiter.api.Test
  void theCorpusNamesOnlyRealActionsExceptTheUnknownOne() throws IOException {
    examples().forEach(arguments -> {
      Path file = (Path) arguments.get()[2];
      try {
        String action = new JsonObject(Files.readString(file)).getString("action");
        assertEquals(!file.getFileName().toString().startsWith("unknown-action"), Commands.byName(action).isPresent(), file.toString());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }
}
