package dev.coordinator.config;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A flag backed by an environment variable (api.md §1: the flag beats the variable, which beats
 * the default). One record says all three, so the parser, its help and {@link EnvironmentDefaults}
 * cannot disagree.
 *
 * @param fallback the default, or null for none
 * @param optionalValue whether the flag may stand alone, meaning {@code true} ({@code --cluster})
 */
public record EnvOption(String flag, String env, String fallback, String label, String description,
                        boolean optionalValue) {

  public EnvOption(String flag, String env, String fallback, String label, String description) {
    this(flag, env, fallback, label, description, false);
  }

  /** Adds this flag to {@code command}; its help line names the variable and the default. */
  public void addTo(CommandSpec command) {
    String fallbackText = fallback == null || fallback.isEmpty() ? "none" : fallback;
    OptionSpec.Builder option = OptionSpec.builder(flag)
        .type(String.class)
        .paramLabel(label)
        .description(description + " [env " + env + "; default " + fallbackText + "]");
    if (optionalValue) {
      option.arity("0..1").fallbackValue("true");
    }
    command.addOption(option.build());
  }

  /** The value this flag had on {@code command} after parsing: given, from the environment, or the default. */
  public String valueIn(CommandSpec command) {
    return command.findOption(flag).getValue();
  }
}
