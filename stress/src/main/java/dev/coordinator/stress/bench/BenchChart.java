package dev.coordinator.stress.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * {@code bench.png}: throughput and p99 against clients (log scale), one line per workload and
 * side (the median of its runs at each client count). Java2D and ImageIO, as timeline.png.
 */
final class BenchChart {
  private static final int PANEL = 700;
  private static final int HEIGHT = 520;
  private static final int MARGIN = 70;
  private static final int LEGEND_ROW = 16;
  private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
      new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
      new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207), new Color(0, 0, 0), new Color(255, 215, 0),
      new Color(0, 128, 128), new Color(128, 0, 0), new Color(0, 0, 128), new Color(255, 105, 180)};

  /** One run: its workload and side name the line, its clients place it. */
  record Point(String workload, String side, Measurement measurement) {
    String series() {
      return workload + " · " + side;
    }
  }

  private BenchChart() {
  }

  static void write(List<Point> points, String title, Path file) throws IOException {
    Map<String, TreeMap<Integer, List<Measurement>>> series = new TreeMap<>();
    for (Point point : points) {
      series.computeIfAbsent(point.series(), name -> new TreeMap<>())
          .computeIfAbsent(point.measurement().clients(), clients -> new ArrayList<>()).add(point.measurement());
    }
    int legend = (series.size() + 1) / 2 * LEGEND_ROW + 20;
    BufferedImage image = new BufferedImage(2 * PANEL, HEIGHT + legend, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setColor(Color.BLACK);
      g.drawString(title, MARGIN, 20);
      int maxClients = points.stream().mapToInt(p -> p.measurement().clients()).max().orElse(1);
      panel(g, 0, "operations/s", series, Measurement::opsPerSecond, maxClients);
      panel(g, PANEL, "p99 latency (ms)", series, Measurement::p99Ms, maxClients);
      int i = 0;
      for (String name : series.keySet()) {
        int x = MARGIN + (i % 2) * PANEL;
        int y = HEIGHT + 10 + (i / 2) * LEGEND_ROW;
        g.setColor(PALETTE[i % PALETTE.length]);
        g.fillRect(x, y, 24, 4);
        g.setColor(Color.BLACK);
        g.drawString(name, x + 32, y + 6);
        i++;
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private static void panel(Graphics2D g, int left, String label, Map<String, TreeMap<Integer, List<Measurement>>> series,
                            ToDoubleFunction<Measurement> value, int maxClients) {
    int x0 = left + MARGIN;
    int x1 = left + PANEL - 30;
    int y0 = HEIGHT - 50;
    int y1 = 50;
    double maxValue = series.values().stream().flatMap(byClients -> byClients.values().stream())
        .mapToDouble(runs -> median(runs, value)).max().orElse(1);
    double top = maxValue <= 0 ? 1 : maxValue * 1.1;
    double span = Math.max(1, Math.log(maxClients * 1.5) / Math.log(2));
    g.setColor(Color.BLACK);
    g.drawLine(x0, y0, x1, y0);
    g.drawLine(x0, y0, x0, y1);
    g.drawString(label, x0, y1 - 10);
    g.drawString("clients", x1 - 40, y0 + 35);
    for (int c = 1; c <= maxClients * 1.5; c *= 2) {
      int x = x0 + (int) ((x1 - x0) * (Math.log(c) / Math.log(2)) / span);
      g.drawLine(x, y0, x, y0 + 4);
      g.drawString(String.valueOf(c), x - 4, y0 + 18);
    }
    for (int t = 0; t <= 4; t++) {
      int y = y0 - (y0 - y1) * t / 4;
      g.setColor(new Color(230, 230, 230));
      g.drawLine(x0 + 1, y, x1, y);
      g.setColor(Color.BLACK);
      g.drawString(String.format(top >= 100 ? "%.0f" : "%.1f", top * t / 4), left + 5, y + 4);
    }
    int i = 0;
    g.setStroke(new BasicStroke(2));
    for (TreeMap<Integer, List<Measurement>> byClients : series.values()) {
      g.setColor(PALETTE[i++ % PALETTE.length]);
      int lastX = -1;
      int lastY = -1;
      for (Map.Entry<Integer, List<Measurement>> entry : byClients.entrySet()) {
        int x = x0 + (int) ((x1 - x0) * (Math.log(entry.getKey()) / Math.log(2)) / span);
        int y = y0 - (int) ((y0 - y1) * median(entry.getValue(), value) / top);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (lastX >= 0) {
          g.drawLine(lastX, lastY, x, y);
        }
        lastX = x;
        lastY = y;
      }
    }
    g.setStroke(new BasicStroke(1));
  }

  private static double median(List<Measurement> runs, ToDoubleFunction<Measurement> value) {
    double[] values = runs.stream().mapToDouble(value).sorted().toArray();
    return values[values.length / 2];
  }
}
