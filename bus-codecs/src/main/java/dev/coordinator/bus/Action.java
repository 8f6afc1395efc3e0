package dev.coordinator.bus;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the policy action of a command record and says whether it changes state. The mutation
 * inventory ({@link Commands#mutations()}) is read from these annotations, never kept by hand.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Action {
  /** The action name as policies and MCP tools know it, e.g. {@code acquire_lock}. */
  String value();

  boolean mutates();

  /** Actions reserved for trust 3 and above. */
  boolean admin() default false;
}
