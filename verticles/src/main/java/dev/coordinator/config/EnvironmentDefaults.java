package dev.coordinator.config;

import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * picocli's defaults for {@link EnvOption}s: the environment variable when it is set and not
 * blank, else the option's own default. The environment is given, so tests need not change theirs.
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {
  private final Map<String, String> env;
  private final Map<String, EnvOption> byFlag;

  public EnvironmentDefaults(Map<String, String> env, Collection<EnvOption> options) {
    this.env = Map.copyOf(env);
    this.byFlag = options.stream().collect(Collectors.toUnmodifiableMap(EnvOption::flag, Function.identity()));
  }

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec option)) {
      return null;
    }
    EnvOption known = byFlag.get(option.longestName());
    if (known == null) {
      return null;
    }
    String fromEnv = env.get(known.env());
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv : known.fallback();
  }
}
