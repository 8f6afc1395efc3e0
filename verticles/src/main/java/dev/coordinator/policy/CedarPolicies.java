package dev.coordinator.policy;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.DetailedError;
import com.cedarpolicy.model.ValidationRequest;
import com.cedarpolicy.model.ValidationResponse;
import com.cedarpolicy.model.exception.AuthException;
import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.model.schema.Schema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A validated Cedar policy set and its schema, read from a folder (or, by default, from the
 * {@code policies/} bundled in the jar): {@code *.cedarschema} is the schema, each {@code *.cedar}
 * file is one policy whose id is the file name. A set is only ever built if every policy parses
 * and validates against the schema, and it is cached in the native library once.
 */
public final class CedarPolicies {
  static final String BUNDLED = "policies/";
  static final List<String> BUNDLED_FILES = List.of("coordinator.cedarschema", "read.cedar", "read-others.cedar",
      "write.cedar", "write-others.cedar", "admin.cedar", "suspended.cedar", "blocked-action.cedar", "not-allowed-action.cedar");
  private static final BasicAuthorizationEngine VALIDATOR = new BasicAuthorizationEngine();

  private final Schema schema;
  private final PolicySet policySet;
  private final List<String> ids;

  private CedarPolicies(Schema schema, PolicySet policySet, List<String> ids) {
    this.schema = schema;
    this.policySet = policySet;
    this.ids = List.copyOf(ids);
  }

  /** Thrown when a policy set does not parse or validate; {@code errors} says where and why. */
  public static final class InvalidPolicies extends Exception {
    private final List<String> errors;

    InvalidPolicies(List<String> errors) {
      super(String.join("; ", errors), null, false, false);
      this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
      return errors;
    }
  }

  /** The policies of {@code folder}, or the bundled ones when {@code folder} is null. */
  public static CedarPolicies load(Path folder) throws InvalidPolicies {
    Map<String, String> files = folder == null ? bundled() : read(folder);
    String schemaText = files.entrySet().stream().filter(e -> e.getKey().endsWith(".cedarschema"))
        .map(Map.Entry::getValue).findFirst()
        .orElseThrow(() -> new InvalidPolicies(List.of("no *.cedarschema file in " + where(folder))));
    Map<String, String> policies = new TreeMap<>();
    files.forEach((name, text) -> {
      if (name.endsWith(".cedar")) {
        policies.put(name.substring(0, name.length() - ".cedar".length()), text);
      }
    });
    if (policies.isEmpty()) {
      throw new InvalidPolicies(List.of("no *.cedar policy in " + where(folder)));
    }
    return build(schemaText, policies);
  }

  /**
   * Validates {@code text} (one or more policies) against this set's schema, without keeping it.
   * Text outside {@link CedarTextBounds} is invalid without being shown to the native library.
   */
  public List<String> check(String text) {
    List<String> unsafe = CedarTextBounds.problems(text);
    if (!unsafe.isEmpty()) {
      return unsafe.stream().map(problem -> "not accepted: " + problem).toList();
    }
    try {
      PolicySet candidate = PolicySet.parsePolicies(text);
      return validate(schema, candidate);
    } catch (InternalException | RuntimeException e) {
      return List.of("does not parse: " + e.getMessage());
    }
  }

  public Schema schema() {
    return schema;
  }

  public PolicySet policySet() {
    return policySet;
  }

  public List<String> ids() {
    return ids;
  }

  private static CedarPolicies build(String schemaText, Map<String, String> policies) throws InvalidPolicies {
    List<String> errors = new ArrayList<>();
    CedarTextBounds.problems(schemaText).forEach(problem -> errors.add("the schema is not accepted: " + problem));
    policies.forEach((id, text) -> CedarTextBounds.problems(text).forEach(problem ->
        errors.add(id + ": not accepted: " + problem)));
    if (!errors.isEmpty()) {
      throw new InvalidPolicies(errors);
    }
    Schema schema;
    try {
      schema = Schema.parse(Schema.JsonOrCedar.Cedar, schemaText);
    } catch (InternalException | RuntimeException e) {
      throw new InvalidPolicies(List.of("the schema does not parse: " + e.getMessage()));
    }
    java.util.Set<Policy> parsed = new java.util.HashSet<>();
    policies.forEach((id, text) -> {
      try {
        Policy.parseStaticPolicy(text);
        parsed.add(new Policy(text, id));
      } catch (InternalException | RuntimeException e) {
        errors.add(id + ": does not parse: " + e.getMessage());
      }
    });
    if (!errors.isEmpty()) {
      throw new InvalidPolicies(errors);
    }
    PolicySet set = new PolicySet(parsed);
    errors.addAll(validate(schema, set));
    if (!errors.isEmpty()) {
      throw new InvalidPolicies(errors);
    }
    try {
      set.cache();
      schema.cache();
    } catch (Exception e) {
      throw new InvalidPolicies(List.of("the native library could not cache the set: " + e.getMessage()));
    }
    return new CedarPolicies(schema, set, new ArrayList<>(policies.keySet()));
  }

  private static List<String> validate(Schema schema, PolicySet set) {
    try {
      ValidationResponse response = VALIDATOR.validate(new ValidationRequest(schema, set));
      List<String> errors = new ArrayList<>();
      response.errors.ifPresent(list -> list.forEach(error -> errors.add(describe(error))));
      response.success.ifPresent(success -> success.validationErrors.forEach(error ->
          errors.add(error.getPolicyId() + ": " + describe(error.getError()))));
      return errors;
    } catch (AuthException e) {
      return List.of("validation failed: " + e.getMessage());
    }
  }

  private static String describe(DetailedError error) {
    return error.message + error.help.map(help -> " (" + help + ")").orElse("");
  }

  private static Map<String, String> read(Path folder) throws InvalidPolicies {
    if (!Files.isDirectory(folder)) {
      throw new InvalidPolicies(List.of(folder + " is not a folder"));
    }
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> entries = Files.list(folder)) {
      for (Path file : entries.filter(Files::isRegularFile).toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(".cedar") || name.endsWith(".cedarschema")) {
          files.put(name, Files.readString(file));
        }
      }
    } catch (IOException e) {
      throw new InvalidPolicies(List.of("cannot read " + folder + ": " + e.getMessage()));
    }
    return files;
  }

  private static Map<String, String> bundled() {
    Map<String, String> files = new TreeMap<>();
    for (String name : BUNDLED_FILES) {
      try (InputStream in = CedarPolicies.class.getClassLoader().getResourceAsStream(BUNDLED + name)) {
        if (in == null) {
          throw new IllegalStateException("the jar lacks " + BUNDLED + name);
        }
        files.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return files;
  }

  private static String where(Path folder) {
    return folder == null ? "the bundled policies" : folder.toString();
  }
}
