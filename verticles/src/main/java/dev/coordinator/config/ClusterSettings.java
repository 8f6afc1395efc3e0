package dev.coordinator.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a node joins a cluster (api.md §1, §7).
 *
 * @param enabled whether the node joins a cluster at all
 * @param host the address it binds and announces for cluster traffic
 * @param port its cluster port; 0 takes the first free port from 5701
 * @param members where to look for the other nodes, one {@code host:port} each (ranges expanded)
 * @param name the cluster's name: nodes join only a cluster of the same name (two services on one
 *     network, or two test runs on one machine, stay apart)
 * @param tls the event bus's TLS, or null for plain TCP (membership traffic is never encrypted:
 *     docs/cluster.md says what crosses the wire)
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members, String name, Tls tls) {
  static final int DEFAULT_PORT = 5701;
  /** A range is expanded into one member per port; more than this is a typo, not a cluster. */
  private static final int MOST_MEMBERS = 1_000;

  public ClusterSettings {
    members = List.copyOf(members);
  }

  /**
   * Mutual TLS between the nodes' event buses: each node presents {@code cert} (with {@code key})
   * and accepts only peers whose certificate {@code ca} signed. PEM files, read at start.
   */
  public record Tls(Path cert, Path key, Path ca) {
    static final List<String> FLAGS = List.of("--cluster-tls-cert", "--cluster-tls-key", "--cluster-tls-ca");

    /** All three paths or none (null); each must be a readable file. */
    static Tls of(boolean clustered, List<String> paths) {
      long given = paths.stream().filter(path -> path != null && !path.isBlank()).count();
      if (given == 0) {
        return null;
      }
      if (given < FLAGS.size()) {
        throw new ConfigException("cluster TLS needs all of " + String.join(", ", FLAGS));
      }
      if (!clustered) {
        throw new ConfigException(String.join(", ", FLAGS) + " are for a node started with --cluster");
      }
      List<Path> files = new ArrayList<>();
      for (int i = 0; i < FLAGS.size(); i++) {
        Path file = Path.of(paths.get(i).trim());
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
          throw new ConfigException(FLAGS.get(i) + ": cannot read " + file);
        }
        files.add(file);
      }
      return new Tls(files.get(0), files.get(1), files.get(2));
    }
  }

  /** Parses {@code host[:port[-port]]}, comma-separated, into one {@code host:port} per member. */
  static List<String> members(String text) {
    List<String> members = new ArrayList<>();
    for (String entry : text.split(",")) {
      String member = entry.trim();
      if (member.isEmpty()) {
        continue;
      }
      int colon = member.lastIndexOf(':');
      if (colon < 0 || member.endsWith("]")) {
        members.add(member + ":" + DEFAULT_PORT);
        continue;
      }
      String host = member.substring(0, colon);
      String ports = member.substring(colon + 1);
      int dash = ports.indexOf('-');
      int first = port(entry, dash < 0 ? ports : ports.substring(0, dash));
      int last = dash < 0 ? first : port(entry, ports.substring(dash + 1));
      if (host.isEmpty() || last < first) {
        throw new ConfigException("--cluster-members: cannot read " + entry.trim() + " (host[:port[-port]])");
      }
      for (int port = first; port <= last; port++) {
        members.add(host + ":" + port);
      }
      if (members.size() > MOST_MEMBERS) {
        throw new ConfigException("--cluster-members names more than " + MOST_MEMBERS + " members");
      }
    }
    return members;
  }

  private static int port(String entry, String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException("--cluster-members: cannot read " + entry.trim() + " (host[:port[-port]])");
  }
}
