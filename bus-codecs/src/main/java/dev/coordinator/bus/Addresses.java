package dev.coordinator.bus;

/** Event bus addresses. Domain addresses accept only policy-stamped, locally delivered commands. */
public final class Addresses {
  /** Prefix shared by every domain address; the domain gate guards all of them. */
  public static final String DOMAIN_PREFIX = "coordinator.domain.";

  public static final String POLICY = "coordinator.policy";
  public static final String AUTHENTICATE = "coordinator.policy.authenticate";
  /** Where entry points send a request they refused before it became a command, to be audited. */
  public static final String REFUSALS = "coordinator.policy.refusals";
  public static final String HEALTH = "coordinator.health";

  public static final String LOCKS = DOMAIN_PREFIX + "locks";
  public static final String TASKS = DOMAIN_PREFIX + "tasks";
  public static final String SESSIONS = DOMAIN_PREFIX + "sessions";
  public static final String HANDOFFS = DOMAIN_PREFIX + "handoffs";
  public static final String MEMORIES = DOMAIN_PREFIX + "memories";
  public static final String AUDIT = DOMAIN_PREFIX + "audit";
  /** The policy verticle's own commands (dry runs, validation, profile, reload), gated like any other. */
  public static final String POLICY_ADMIN = DOMAIN_PREFIX + "policy";

  /**
   * Published on this node only when it starts to shut down: waiting acquires and claims are
   * answered now (and new ones do not wait), so they get their real answer before HTTP closes.
   */
  public static final String SHUTTING_DOWN = "coordinator.shutting-down";

  /**
   * Published on this node only, by the relay of the database's notifications: another node asks
   * for the cancellation of an MCP request (a session's hash and a JSON-RPC id; no command).
   */
  public static final String MCP_CANCELLED = "coordinator.mcp.cancelled";

  /*
   * Wake-ups, published on this node only (never across the cluster): the node's one listening
   * connection relays what the database notifies (cluster/WakeRelay), whichever node, sweeper or
   * operator made the change.
   */

  /** A task may have become claimable. */
  public static final String TASK_AVAILABLE = "coordinator.events.task-available";

  /** A lock key may have come free, changed hands, or lost a waiter ahead in its line. */
  public static final String LOCK_RELEASED = "coordinator.events.lock-released";

  /** A session has ended or was reaped. */
  public static final String SESSION_ENDED = "coordinator.events.session-ended";

  /** A lock waiter was taken out of line by another node (cancelled there): its node answers it. */
  public static final String WAIT_LEFT = "coordinator.events.wait-left";

  /** The listening connection was (re)established: wake-ups may have been missed, every waiter tries once. */
  public static final String RESYNC = "coordinator.events.resync";

  /**
   * Published on this node only, with the action's name as body, when a command that changes
   * state (allowed or not: a denial is an audit row) or a refusal has been answered here: the
   * dashboard's event stream re-reads on it. Also published, with {@code audit_sealed}, when the
   * database says a sealing pass sealed such rows, whichever node wrote them (sql/V15). Reads
   * publish nothing and are not news to the sealer, so a dashboard's own reads cannot set it off again.
   */
  public static final String CHANGED = "coordinator.events.changed";

  private Addresses() {
  }
}
