package dev.coordinator.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A node's {@code GET /metrics} read as Prometheus samples, for tests that watch a meter move. */
public final class Scrape {
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One line of the text format: a series and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {
    boolean has(Map<String, String> wanted) {
      return wanted.entrySet().stream().allMatch(entry -> entry.getValue().equals(labels.get(entry.getKey())));
    }
  }

  private final String text;
  private final List<Sample> samples;

  private Scrape(String text, List<Sample> samples) {
    this.text = text;
    this.samples = samples;
  }

  public static Scrape of(Http http) {
    return parse(http.get("/metrics", null).text());
  }

  public static Scrape parse(String text) {
    return new Scrape(text, text.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).map(Scrape::sample).toList());
  }

  private static Sample sample(String line) {
    int space = line.lastIndexOf(' ');
    String series = line.substring(0, space);
    int brace = series.indexOf('{');
    Map<String, String> labels = new HashMap<>();
    if (brace >= 0) {
      Matcher matcher = LABEL.matcher(series.substring(brace));
      while (matcher.find()) {
        labels.put(matcher.group(1), matcher.group(2));
      }
    }
    return new Sample(brace >= 0 ? series.substring(0, brace) : series, labels, Double.parseDouble(line.substring(space + 1)));
  }

  /** The sum of the samples named {@code name} that carry every label of {@code labels}: 0 if none. */
  public double value(String name, Map<String, String> labels) {
    return samples.stream().filter(sample -> sample.name().equals(name) && sample.has(labels)).mapToDouble(Sample::value)
        .sum();
  }

  /** The sum of the samples named {@code name} that {@code which} accepts. */
  public double sum(String name, java.util.function.Predicate<Sample> which) {
    return samples.stream().filter(sample -> sample.name().equals(name) && which.test(sample)).mapToDouble(Sample::value)
        .sum();
  }

  public double value(String name) {
    return value(name, Map.of());
  }

  /** Whether any sample is named {@code name} and carries every label of {@code labels}. */
  public boolean has(String name, Map<String, String> labels) {
    return samples.stream().anyMatch(sample -> sample.name().equals(name) && sample.has(labels));
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The text as scraped, for a failure message. */
  @Override
  public String toString() {
    return text;
  }
}
