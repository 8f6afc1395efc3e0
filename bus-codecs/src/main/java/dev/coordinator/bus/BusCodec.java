package dev.coordinator.bus;

import dev.coordinator.bus.event.Event;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * The one codec for every {@link BusMessage}. Locally a record is passed as it is (records are
 * immutable). Only events are written to the wire; a command that tries to leave its node is a
 * bug, and fails loudly.
 */
public final class BusCodec implements MessageCodec<BusMessage, BusMessage> {
  public static final String NAME = "coordinator";

  /** Registers the codec and routes every {@link BusMessage} body to it. */
  public static void register(EventBus bus) {
    bus.registerCodec(new BusCodec());
    bus.codecSelector(body -> body instanceof BusMessage ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, BusMessage message) {
    if (!(message instanceof Event event)) {
      throw new IllegalStateException(message.getClass().getSimpleName() + " never leaves its node");
    }
    Buffer json = event.toJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public BusMessage decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return Event.fromJson(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public BusMessage transform(BusMessage message) {
    return message;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
