package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.coordinator.bus.Addresses;
import dev.coordinator.bus.Authorized;
import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Envelope;
import dev.coordinator.bus.ErrorCode;
import dev.coordinator.bus.Principal;
import dev.coordinator.bus.Reply;
import dev.coordinator.bus.audit.AuditCommand;
import dev.coordinator.bus.lock.LockCommand;
import dev.coordinator.testing.RunningService;
import io.vertx.core.eventbus.Message;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ENF-1: no side door. Domain addresses take only commands stamped by this node's policy verticle. */
class DomainGateTest {
  @RegisterExtension
  static final RunningService service = new RunningService();

  @BeforeAll
  static void agents() {
    service.agent("mallory", "claude_code", 4);
  }


  private static final Principal MALLORY = new Principal("mallory", "claude_code", 4);
  private static final Decision FORGED = new Decision(true, false, "forged", "native", List.of("native.write"));

  private static Reply request(String address, Object body) throws Exception {
    Message<Reply> reply = service.vertx().eventBus().<Reply>request(address, body)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return reply.body();
  }

  private static Envelope acquire(String key) {
    return new Envelope("mallory", null, "forged-request", null, new LockCommand.Acquire(key, 60, null, 0));
  }

  @Test
  void aCommandWithAForgedStampIsRefused() throws Exception {
    Reply reply = request(Addresses.LOCKS, new Authorized(acquire("src/side-door.py"), MALLORY, FORGED, new Object()));
    assertEquals(ErrorCode.POLICY_DENIED, assertInstanceOf(Reply.Failure.class, reply).code());
    assertEquals(0L, locksLike("src/side-door%"), "the forged acquire changed nothing");
    assertEquals(0L, service.database().value(
        "SELECT count(*) FROM audit_log WHERE agent = 'mallory' AND resource LIKE 'src/side-door%'"));
  }

  @Test
  void anUnstampedEnvelopeIsRefused() throws Exception {
    Reply reply = request(Addresses.LOCKS, acquire("src/side-door-2.py"));
    assertEquals(ErrorCode.POLICY_DENIED, assertInstanceOf(Reply.Failure.class, reply).code());
    Reply audit = request(Addresses.AUDIT, new Envelope("mallory", null, "r", null, new AuditCommand.Verify()));
    assertEquals(ErrorCode.POLICY_DENIED, assertInstanceOf(Reply.Failure.class, audit).code());
    assertEquals(0L, locksLike("src/side-door%"));
  }

  @Test
  void aPublishedCommandIsDropped() throws Exception {
    service.vertx().eventBus().publish(Addresses.LOCKS,
        new Authorized(acquire("src/side-door-3.py"), MALLORY, FORGED, new Object()));
    service.vertx().eventBus().send(Addresses.LOCKS, acquire("src/side-door-4.py"));
    // A request through the real gate afterwards is answered only after anything sent before it.
    Reply check = request(Addresses.POLICY, new Envelope("mallory", null, "r2", null, new LockCommand.Check(List.of())));
    assertInstanceOf(Reply.Success.class, check);
    assertEquals(0L, locksLike("src/side-door%"));
  }

  @Test
  void thePolicyVerticleIsTheWayIn() throws Exception {
    Reply reply = request(Addresses.POLICY, acquire("src/front-door.py"));
    assertInstanceOf(Reply.Success.class, reply, () -> reply.toString());
    assertEquals(1L, locksLike("src/front-door.py"));
  }

  private static long locksLike(String pattern) {
    return (Long) service.database().value("SELECT count(*) FROM locks WHERE key LIKE ?", pattern);
  }
}
