package dev.coordinator.stress.output;

import dev.coordinator.stress.check.Violation;
import dev.coordinator.stress.fault.Nemesis;
import dev.coordinator.stress.history.Event;
import dev.coordinator.stress.history.History;
import dev.coordinator.stress.history.Operation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code timeline.png}: one row per client, each operation a bar from invocation to answer
 * (green ok, orange fail, grey unknown), faults shaded across all rows, the operations of each
 * violation marked in red. Java2D and ImageIO only (headless).
 */
public final class Timeline {
  private static final int WIDTH = 1600;
  private static final int LEFT = 130;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int ROW = 14;
  private static final int LEGEND = 60;
  private static final Color OK = new Color(46, 125, 50);
  private static final Color FAIL = new Color(239, 108, 0);
  private static final Color INFO = new Color(140, 140, 140);
  private static final Color FAULT = new Color(211, 47, 47, 40);
  private static final Color VIOLATION = new Color(213, 0, 0);

  private Timeline() {
  }

  public static void write(List<Event> events, List<Violation> violations, String title, Path file) throws IOException {
    List<Operation> operations = History.operations(events);
    List<String> rows = new ArrayList<>();
    for (Operation op : operations) {
      if (!op.process().equals(Nemesis.PROCESS) && !rows.contains(op.process())) {
        rows.add(op.process());
      }
    }
    long end = Math.max(1, events.isEmpty() ? 1 : events.get(events.size() - 1).nanos());
    int height = TOP + Math.max(1, rows.size()) * ROW + LEGEND;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, height);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      Scale x = new Scale(end);
      axis(g, x, rows.size(), title);
      Map<Long, Operation> byId = new HashMap<>();
      for (Operation op : operations) {
        byId.put(op.id(), op);
        if (op.process().equals(Nemesis.PROCESS)) {
          fault(g, x, op, rows.size(), end);
        }
      }
      g.setColor(Color.BLACK);
      for (int row = 0; row < rows.size(); row++) {
        g.drawString(rows.get(row), 6, TOP + row * ROW + ROW - 3);
      }
      for (Operation op : operations) {
        int row = rows.indexOf(op.process());
        if (row >= 0) {
          bar(g, x, op, row, end);
        }
      }
      g.setColor(VIOLATION);
      g.setStroke(new BasicStroke(2));
      for (Violation violation : violations) {
        for (long id : violation.ops()) {
          Operation op = byId.get(id);
          int row = op == null ? -1 : rows.indexOf(op.process());
          if (row >= 0) {
            int px = x.at(op.invoke().nanos());
            int py = TOP + row * ROW + ROW / 2;
            g.drawOval(px - 6, py - 6, 12, 12);
            g.drawString(violation.invariant(), px + 8, py + 4);
          }
        }
      }
      legend(g, rows.size(), violations.size());
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private record Scale(long end) {
    int at(long nanos) {
      return LEFT + (int) ((WIDTH - LEFT - RIGHT) * (double) nanos / end);
    }
  }

  private static void axis(Graphics2D g, Scale x, int rows, String title) {
    g.setColor(Color.BLACK);
    g.drawString(title, LEFT, 16);
    long seconds = x.end() / 1_000_000_000L;
    long step = Math.max(1, seconds / 20);
    for (long s = 0; s <= seconds; s += step) {
      int px = x.at(s * 1_000_000_000L);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(px, TOP - 4, px, TOP + rows * ROW);
      g.setColor(Color.DARK_GRAY);
      g.drawString(s + "s", px - 6, TOP - 8);
    }
  }

  private static void fault(Graphics2D g, Scale x, Operation op, int rows, long end) {
    long to = op.completion() == null ? end : op.completion().nanos();
    int from = x.at(op.invoke().nanos());
    int width = Math.max(3, x.at(to) - from);
    g.setColor(FAULT);
    g.fillRect(from, TOP, width, rows * ROW);
    g.setColor(VIOLATION);
    g.drawString(op.op(), from + 2, TOP + rows * ROW + 14);
  }

  private static void bar(Graphics2D g, Scale x, Operation op, int row, long end) {
    int y = TOP + row * ROW;
    long to = op.completion() == null ? end : op.completion().nanos();
    int from = x.at(op.invoke().nanos());
    g.setColor(op.ok() ? OK : op.failed() ? FAIL : INFO);
    g.fillRect(from, y + 3, Math.max(1, x.at(to) - from), ROW - 6);
  }

  private static void legend(Graphics2D g, int rows, int violations) {
    int y = TOP + rows * ROW + 34;
    int px = LEFT;
    for (Object[] item : new Object[][] {{OK, "ok"}, {FAIL, "fail"}, {INFO, "unknown (info)"}, {FAULT, "fault"},
        {VIOLATION, violations + " violation(s)"}}) {
      g.setColor((Color) item[0]);
      g.fillRect(px, y - 9, 14, 10);
      g.setColor(Color.BLACK);
      g.drawString((String) item[1], px + 18, y);
      px += 130;
    }
  }
}
