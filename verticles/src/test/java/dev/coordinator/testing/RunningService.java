package dev.coordinator.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestService} for a whole test class: started before the class's own
 * {@code @BeforeAll} methods, stopped (and its database dropped) after the class.
 */
public final class RunningService implements BeforeAllCallback, AfterAllCallback {
  private final String[] flags;
  private TestService service;

  public RunningService(String... flags) {
    this.flags = flags.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    service = TestService.start(flags);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    service.close();
  }

  public String agent(String id, String type, int trust) {
    return service.agent(id, type, trust);
  }

  public Http http() {
    return service.http();
  }

  public TestDatabase database() {
    return service.database();
  }

  public TestService service() {
    return service;
  }

  public Vertx vertx() {
    return service.vertx();
  }

  public int port() {
    return service.config().httpPort();
  }
}
