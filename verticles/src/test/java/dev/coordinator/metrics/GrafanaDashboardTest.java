package dev.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coordinator.testing.Await;
import dev.coordinator.testing.Http;
import dev.coordinator.testing.RunningService;
import dev.coordinator.testing.Scrape;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OPS-2: the sample Grafana dashboard (docs/grafana-dashboard.json) cannot rot: every metric its
 * queries and variables name, and every label they select or group by, is in a real scrape of a
 * service that has done each thing a panel shows.
 */
class GrafanaDashboardTest {
  private static final Path DASHBOARD = Path.of("../docs/grafana-dashboard.json");
  /** A series selector: a metric name followed by its label matchers. */
  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
  private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(?:=~|!~|!=|=)");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*(\\w+)\\)");
  /** Added by Prometheus when it scrapes, not by the service. */
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

  @RegisterExtension
  static final RunningService service = new RunningService("--sweep-interval", "100");

  /** One thing the dashboard asks for: a metric, and the labels that must be on its samples. */
  private record Wanted(String query, String metric, Set<String> labels) {
  }

  @Test
  @DisplayName("OPS-2: every metric and label the Grafana dashboard queries is in a real scrape of /metrics")
  void dashboardNamesOnlyScrapedMetrics() throws Exception {
    List<Wanted> wanted = wanted(new JsonObject(Files.readString(DASHBOARD)));
    assertTrue(wanted.size() >= 10, "the dashboard's queries were not found: " + wanted);
    exercise();
    Scrape scrape = Scrape.of(service.http());
    List<String> missing = new ArrayList<>();
    for (Wanted one : wanted) {
      List<Scrape.Sample> samples = scrape.samples().stream().filter(sample -> sample.name().equals(one.metric())).toList();
      Set<String> labels = new TreeSet<>(one.labels());
      samples.forEach(sample -> labels.removeAll(sample.labels().keySet()));
      if (samples.isEmpty()) {
        missing.add(one.metric() + " (in " + one.query() + ")");
      } else if (!labels.isEmpty()) {
        missing.add(one.metric() + " has no label " + labels + " (in " + one.query() + ")");
      }
    }
    assertEquals(List.of(), missing, "the dashboard asks for what /metrics does not have");
  }

  /** Every series selector of every panel query, and every variable's label_values. */
  private static List<Wanted> wanted(JsonObject dashboard) {
    List<Wanted> wanted = new ArrayList<>();
    strings(dashboard, "expr").forEach(expr -> {
      Set<String> grouped = new TreeSet<>();
      Matcher grouping = GROUPING.matcher(expr);
      while (grouping.find()) {
        Stream.of(grouping.group(1).split(",")).map(String::trim).filter(label -> !label.isEmpty()).forEach(grouped::add);
      }
      Matcher selector = SELECTOR.matcher(expr);
      boolean any = false;
      while (selector.find()) {
        any = true;
        Set<String> labels = new TreeSet<>(grouped);
        Matcher matcher = MATCHER.matcher(selector.group(2));
        while (matcher.find()) {
          labels.add(matcher.group(1));
        }
        labels.removeAll(TARGET_LABELS);
        wanted.add(new Wanted(expr, selector.group(1), labels));
      }
      assertTrue(any, "a query without a series selector the test can read: " + expr);
    });
    strings(dashboard, "query").forEach(query -> {
      Matcher values = LABEL_VALUES.matcher(query);
      if (values.find()) {
        Set<String> labels = new TreeSet<>(Set.of(values.group(2)));
        labels.removeAll(TARGET_LABELS);
        wanted.add(new Wanted(query, values.group(1), labels));
      }
    });
    return wanted;
  }

  /** The string values of every {@code field} anywhere in {@code json}. */
  private static List<String> strings(Object json, String field) {
    List<String> found = new ArrayList<>();
    if (json instanceof JsonObject object) {
      object.forEach(entry -> {
        if (entry.getKey().equals(field) && entry.getValue() instanceof String text) {
          found.add(text);
        } else {
          found.addAll(strings(entry.getValue(), field));
        }
      });
    } else if (json instanceof JsonArray array) {
      array.forEach(item -> found.addAll(strings(item, field)));
    }
    return found;
  }

  /** Does once each thing a panel shows, so that every meter has a sample. */
  private static void exercise() {
    Http http = service.http();
    String holder = service.agent("grafana-holder", "claude_code", 2);
    String waiter = service.agent("grafana-waiter", "claude_code", 2);
    assertEquals(200, http.post("/v1/locks/acquire", holder, new JsonObject().put("key", "grafana/held.py")).status());
    assertEquals(409, http.post("/v1/locks/acquire", waiter,
        new JsonObject().put("key", "grafana/held.py").put("wait_ms", 100)).status(), "a lock wait that ends refused");
    assertEquals(403, http.post("/v1/policy/reload", holder, new JsonObject()).status(), "a denial");
    assertEquals("GUARDRAIL_BLOCKED", http.post("/v1/tasks", holder, new JsonObject().put("task_type", "cleanup")
        .put("description", "clean the workspace with rm -rf build/ before the run")).errorCode(), "a guardrail block");
    assertEquals(201, http.post("/v1/tasks", holder, new JsonObject().put("task_type", "grafana").put("description", "d")).status());
    Http.Response claimed = http.post("/v1/tasks/claim", waiter, new JsonObject()
        .put("task_types", new JsonArray().add("grafana")).put("lease_seconds", 10));
    assertEquals(200, claimed.status(), claimed::toString);
    assertEquals(201, http.post("/v1/tasks", holder, new JsonObject().put("task_type", "grafana").put("description", "e")).status());
    // A lease and a session that end now, for the sweeper's and the reaper's counters.
    service.database().value("UPDATE tasks SET lease_expires_at = now() WHERE id = ?::uuid RETURNING id",
        claimed.json().getJsonObject("task").getString("id"));
    Http.Response session = http.post("/v1/sessions", waiter, new JsonObject());
    assertEquals(201, session.status(), session::toString);
    service.database().value("UPDATE sessions SET last_heartbeat = now() - interval '1 day' WHERE id = ?::uuid RETURNING id",
        session.json().getJsonObject("session").getString("id"));
    Await.until("the sweeper and the reaper counted", () -> {
      Scrape scrape = Scrape.of(http);
      return scrape.value("coordinator_task_lease_expiries_total") >= 1 && scrape.value("coordinator_sessions_reaped_total") >= 1
          && scrape.has("coordinator_queue_depth", Map.of("task_type", "grafana"));
    });
  }
}
