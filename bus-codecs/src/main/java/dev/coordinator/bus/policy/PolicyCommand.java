package dev.coordinator.bus.policy;

import dev.coordinator.bus.Action;
import dev.coordinator.bus.Command;

/** The policy verticle's own vocabulary: dry runs, validation, the caller's profile, reloads. */
public sealed interface PolicyCommand extends Command {

  /** Handles every policy command; a new command is a compile error in every handler. */
  interface Handler<R> {
    R check(Check command);

    R validate(Validate command);

    R profile(Profile command);

    R reload(Reload command);

    R checkGuardrails(CheckGuardrails command);
  }

  <R> R accept(Handler<R> handler);

  /** Would the caller be allowed {@code action} on {@code target}? Decides, changes nothing. */
  @Action(value = "check_policy", mutates = false)
  record Check(String checkedAction, String target) implements PolicyCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.check(this);
    }

    @Override
    public String resource() {
      return checkedAction;
    }
  }

  /** Parses and validates Cedar policy text against the schema in force. */
  @Action(value = "validate_cedar_policy", mutates = false, admin = true)
  record Validate(String policyText) implements PolicyCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.validate(this);
    }

    @Override
    public String resource() {
      return "policy";
    }
  }

  /** The caller's profile and the actions it may run. */
  @Action(value = "get_my_profile", mutates = false)
  record Profile() implements PolicyCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.profile(this);
    }

    @Override
    public String resource() {
      return "profile";
    }
  }

  /**
   * Reads the policy set again from where it came from; a set that does not validate is refused.
   * A mutation (of what is enforced), so it is audited.
   */
  @Action(value = "reload_policies", mutates = true, admin = true)
  record Reload() implements PolicyCommand {
    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.reload(this);
    }

    @Override
    public String resource() {
      return "policy";
    }
  }

  /** Which guardrails a text (and file paths) would trip for the caller. Matches are recorded. */
  @Action(value = "check_guardrails", mutates = false)
  record CheckGuardrails(String text, java.util.List<String> filePaths) implements PolicyCommand {
    public CheckGuardrails {
      filePaths = java.util.List.copyOf(filePaths);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.checkGuardrails(this);
    }

    @Override
    public String resource() {
      return "guardrails";
    }
  }
}
