package dev.coordinator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only gathers subcommands: run by itself it prints its usage and exits 2. */
public abstract class CommandGroup implements Callable<Integer> {
  @Spec
  CommandSpec spec;
  @Mixin
  HelpFlag help;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }
}
