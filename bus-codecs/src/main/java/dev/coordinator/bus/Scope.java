package dev.coordinator.bus;

/**
 * What the gate decided beyond yes or no, for the domain to apply: whether the command may reach
 * other agents' entries (read their audit rows, cancel their tasks), as the policy engine says;
 * the trust a claimant needs for the text the command carries (from the guardrails, 0 when no
 * blocking pattern matched); and up to which such need the caller's own claims may go (the
 * guardrail bypass level the gate grants it). Domains apply it; they never compare trust themselves.
 */
public record Scope(boolean others, int claimTrust, int bypassTrust) {
  /** Only one's own entries; no guarded text; only tasks whose text trips no blocking guardrail. */
  public static final Scope OWN = new Scope(false, 0, 0);
}
