package dev.coordinator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.bus.Decision;
import dev.coordinator.bus.Principal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cedar engine remembers its decisions, and a remembered allow never outlives what it was
 * decided on: the policy set in force, and every field of the caller's profile and of the request.
 */
class DecisionCacheTest {
  private static final Principal ALICE = new Principal("alice", "claude_code", 2);
  private static final PolicyRequest ACQUIRE = new PolicyRequest("acquire_lock", Optional.of(PolicyRequest.WRITE), "lock",
      "repo/main", false, Map.of("ttl_seconds", 30L));

  @TempDir
  Path folder;
  private CedarPolicyEngine cedar;

  @BeforeEach
  void copyPolicies() throws Exception {
    try (Stream<Path> files = Files.list(PolicyExamplesTest.POLICIES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, folder.resolve(file.getFileName()));
      }
    }
    cedar = new CedarPolicyEngine(folder);
  }

  @Test
  @DisplayName("the same question is answered from the cache")
  void remembers() {
    Decision first = cedar.decide(ALICE, ACQUIRE);
    assertTrue(first.allowed(), first.reason());
    assertSame(first, cedar.decide(ALICE, ACQUIRE));
    assertEquals(1, cedar.remembered());
  }

  @Test
  @DisplayName("a cached allow does not survive a reload that takes the permission away")
  void reloadForgets() throws Exception {
    assertTrue(cedar.decide(ALICE, ACQUIRE).allowed());
    writesNeedTrust(3);
    cedar.install(cedar.reread());
    Decision after = cedar.decide(ALICE, ACQUIRE);
    assertFalse(after.allowed(), after.reason());
  }

  @Test
  @DisplayName("a cached allow is not answered for a changed profile or request")
  void everyFieldCounts() {
    assertTrue(cedar.decide(ALICE, ACQUIRE).allowed());
    Map<String, Principal> changed = Map.of(
        "trust lowered", new Principal("alice", "claude_code", 1),
        "suspended", new Principal("alice", "claude_code", 0),
        "action blocked", new Principal("alice", "claude_code", 2, false, Set.of(), Set.of("acquire_lock")),
        "allow list without it", new Principal("alice", "claude_code", 2, true, Set.of("check_locks"), Set.of()));
    changed.forEach((change, principal) -> assertFalse(cedar.decide(principal, ACQUIRE).allowed(), change));
    PolicyRequest othersEntries = new PolicyRequest(ACQUIRE.action(), ACQUIRE.group(), ACQUIRE.resourceKind(),
        ACQUIRE.resource(), true, ACQUIRE.numbers());
    assertFalse(cedar.decide(ALICE, othersEntries).allowed(), "reaching others' entries");
    PolicyRequest admin = new PolicyRequest(ACQUIRE.action(), Optional.of(PolicyRequest.ADMIN), ACQUIRE.resourceKind(),
        ACQUIRE.resource(), false, ACQUIRE.numbers());
    assertFalse(cedar.decide(ALICE, admin).allowed(), "another group");
  }

  @Test
  @DisplayName("a reload under concurrent decisions: no decision started after install() answers the old allow")
  void concurrentReload() throws Exception {
    writesNeedTrust(3);
    CedarPolicies stricter = cedar.reread();
    writesNeedTrust(2);
    cedar.install(cedar.reread());
    AtomicBoolean installed = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger staleAllows = new AtomicInteger();
    AtomicInteger afterInstall = new AtomicInteger();
    CompletableFuture<Void> deciders = CompletableFuture.allOf(Stream.generate(() -> CompletableFuture.runAsync(() -> {
      while (!stop.get()) {
        boolean reloaded = installed.get();
        boolean allowed = cedar.decide(ALICE, ACQUIRE).allowed();
        if (reloaded) {
          afterInstall.incrementAndGet();
          if (allowed) {
            staleAllows.incrementAndGet();
          }
        }
      }
    })).limit(3).toArray(CompletableFuture[]::new));
    while (cedar.remembered() == 0) {
      Thread.onSpinWait();
    }
    cedar.install(stricter);
    installed.set(true);
    while (afterInstall.get() < 1_000) {
      Thread.onSpinWait();
    }
    stop.set(true);
    deciders.get(30, TimeUnit.SECONDS);
    assertEquals(0, staleAllows.get());
  }

  private void writesNeedTrust(int trust) throws IOException {
    Files.writeString(folder.resolve("write.cedar"), """
        permit (principal, action in Action::"write", resource)
        when { principal.trust >= %d && !context.reads_others };
        """.formatted(trust));
  }
}
