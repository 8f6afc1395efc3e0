package dev.coordinator.bus;

/**
 * A typed request to a domain verticle. Each verticle's vocabulary is a sealed sub-interface of
 * records annotated with {@link Action}.
 */
public interface Command extends BusMessage {

  /** The lock key, task type, or other thing the command is about, for policy and audit. */
  String resource();

  /** How long the command may wait for its turn (a contested lock); 0 for most commands. */
  default int waitMs() {
    return 0;
  }

  /**
   * The policy action name, e.g. {@code acquire_lock}. Not called {@code action()}: a record
   * component of that name (an audit query's filter) would silently take its place.
   */
  default String actionName() {
    return Commands.action(getClass()).value();
  }

  default boolean mutates() {
    return Commands.action(getClass()).mutates();
  }
}
