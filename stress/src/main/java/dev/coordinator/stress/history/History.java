package dev.coordinator.stress.history;

import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's history: every event in the order the clients recorded it, kept in memory for the
 * checker and appended to {@code history.jsonl} as it happens (so a crashed harness leaves it too).
 * Times come from one monotonic clock; the wall time of an event is the run's start wall time plus
 * its monotonic offset, so wall times never go backwards within a run.
 */
public final class History implements AutoCloseable {
  private final long startNanos = System.nanoTime();
  private final Instant startWall = Instant.now();
  private final List<Event> events = new ArrayList<>();
  private final BufferedWriter out;
  private final Map<Event.Type, Long> counts = new EnumMap<>(Event.Type.class);

  public History(Path file) {
    try {
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Instant startWall() {
    return startWall;
  }

  /** Records an invocation; the answer is given to the returned handle. */
  public Pending invoke(String process, String op, JsonObject args) {
    Event event = append(-1, Event.Type.INVOKE, process, op, args, null, null);
    return new Pending(event);
  }

  /** An operation that has been invoked and awaits exactly one completion. */
  public final class Pending {
    private final Event invoke;

    private Pending(Event invoke) {
      this.invoke = invoke;
    }

    public Event ok(JsonObject result) {
      return append(invoke.opId(), Event.Type.OK, invoke.process(), invoke.op(), null, result, null);
    }

    public Event fail(String error, JsonObject result) {
      return append(invoke.opId(), Event.Type.FAIL, invoke.process(), invoke.op(), null, result, error);
    }

    public Event info(String why) {
      return append(invoke.opId(), Event.Type.INFO, invoke.process(), invoke.op(), null, null, why);
    }

    public Event invocation() {
      return invoke;
    }
  }

  private synchronized Event append(long opId, Event.Type type, String process, String op, JsonObject args,
                                    JsonObject result, String error) {
    long index = events.size();
    long nanos = System.nanoTime() - startNanos;
    Event event = new Event(index, opId < 0 ? index : opId, type, process, op, args, result, error, nanos,
        startWall.plusNanos(nanos));
    events.add(event);
    counts.merge(type, 1L, Long::sum);
    try {
      out.write(event.toJson().encode());
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return event;
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** How many events of each type so far (for the progress line). */
  public synchronized long count(Event.Type type) {
    return counts.getOrDefault(type, 0L);
  }

  /** The history's operations, each invocation paired with its completion (if any), in invocation order. */
  public static List<Operation> operations(List<Event> events) {
    Map<Long, Event> invokes = new LinkedHashMap<>();
    Map<Long, Event> completions = new LinkedHashMap<>();
    for (Event event : events) {
      (event.type() == Event.Type.INVOKE ? invokes : completions).put(event.opId(), event);
    }
    List<Operation> operations = new ArrayList<>(invokes.size());
    invokes.forEach((id, invoke) -> operations.add(new Operation(invoke, completions.get(id))));
    return operations;
  }

  public static List<Event> read(Path file) throws IOException {
    try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.filter(line -> !line.isBlank()).map(line -> Event.fromJson(new JsonObject(line))).toList();
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
