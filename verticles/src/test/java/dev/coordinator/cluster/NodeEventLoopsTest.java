package dev.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.internal.VertxInternal;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** {@code --event-loops} is the number of event-loop threads the node's Vert.x runs. */
class NodeEventLoopsTest {

  @Test
  void aNodeRunsTheEventLoopsItWasGiven() {
    for (int loops : new int[] {1, 3}) {
      Node node = Node.standalone(loops);
      try {
        VertxInternal vertx = (VertxInternal) node.vertx();
        assertEquals(loops, StreamSupport.stream(vertx.nettyEventLoopGroup().spliterator(), false).count());
      } finally {
        node.close().await();
      }
    }
  }
}
