package dev.coordinator.bus;

/**
 * What the gate decided beyond yes or no, for the domain to apply: whether the command may reach
 * other agents' entries (read their audit rows, cancel their tasks), as the policy engine says,
 * and the trust a claimant needs for the text the command carries (from the guardrails, 0 when
 * no blocking pattern matched). Domains apply it; they never compare trust themselves.
 */
public record Scope(boolean others, int claimTrust) {
  /** Only one's own entries; no guarded text. */
  public static final Scope OWN = new Scope(false, 0);
}
