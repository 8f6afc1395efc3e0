package dev.coordinator.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} on every command (no {@code --version}: the jar has none to tell). */
public final class HelpFlag {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
  boolean help;
}
