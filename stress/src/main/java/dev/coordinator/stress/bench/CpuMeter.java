package dev.coordinator.stress.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The CPU a phase used, by who used it, read from Linux's /proc: the PostgreSQL server (its
 * postmaster, the backends alive now, and those that ended, which the postmaster reaped into its
 * children's time), the service's nodes, the load (this JVM and the processes it reaped: pgbench),
 * and the whole machine. On a 2-core machine where both sides saturate the cores, CPU per operation
 * is what decides throughput, and it moves less than throughput with what else runs beside.
 * Where /proc is missing (not Linux) or the server is not on this machine, that part reads null.
 */
final class CpuMeter {
  private static final Path PROC = Path.of("/proc");
  private final OptionalLong postmaster;
  private final Supplier<List<Long>> servicePids;
  private final double ticksPerSecond;

  /** What the groups had used, in clock ticks, at one moment. */
  record Sample(Long postgres, long service, Long load, Long machineBusy, Long machineTotal) {
  }

  CpuMeter(OptionalLong postmaster, Supplier<List<Long>> servicePids) {
    this.postmaster = postmaster;
    this.servicePids = servicePids;
    this.ticksPerSecond = clockTicks();
  }

  /** Waits on the calling thread (never an event loop) until {@code nanoTime}, then samples. */
  Sample sampleAt(long nanoTime) {
    for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    return sample();
  }

  Sample sample() {
    long service = servicePids.get().stream().mapToLong(pid -> own(pid).orElse(0)).sum();
    long[] machine = machine();
    return new Sample(postgres(), service, withReaped(ProcessHandle.current().pid()),
        machine == null ? null : machine[0], machine == null ? null : machine[1]);
  }

  /** CPU per operation between two samples, by group, in microseconds; {@code machine_busy} is a fraction of all cores. */
  JsonObject use(Sample before, Sample after, long ops) {
    JsonObject use = new JsonObject().put("ticks_per_s", ticksPerSecond);
    double perOp = 1e6 / ticksPerSecond / Math.max(1, ops);
    Double postgres = delta(before.postgres(), after.postgres(), perOp);
    Double service = delta(before.service(), after.service(), perOp);
    Double load = delta(before.load(), after.load(), perOp);
    use.put("postgres_us_per_op", postgres).put("service_us_per_op", service).put("load_us_per_op", load);
    Double busy = delta(before.machineBusy(), after.machineBusy(), perOp);
    if (busy != null) {
      double known = (postgres == null ? 0 : postgres) + service + (load == null ? 0 : load);
      long total = after.machineTotal() - before.machineTotal();
      use.put("machine_us_per_op", Measurement.round(busy))
          .put("other_us_per_op", Measurement.round(Math.max(0, busy - known)))
          .put("machine_busy", total == 0 ? null : Measurement.round((double) (after.machineBusy() - before.machineBusy()) / total))
          .put("cores", Runtime.getRuntime().availableProcessors());
    }
    return use;
  }

  private static Double delta(Long before, Long after, double perOp) {
    return before == null || after == null ? null : Measurement.round((after - before) * perOp);
  }

  private Long postgres() {
    if (postmaster.isEmpty()) {
      return null;
    }
    long parent = postmaster.getAsLong();
    OptionalLong self = OptionalLong.empty();
    long children = 0;
    try (Stream<Path> entries = Files.list(PROC)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String[] stat = stat(Long.parseLong(name));
        if (stat == null) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (pid == parent) {
          self = OptionalLong.of(withReaped(stat));
        } else if (Long.parseLong(stat[3]) == parent) {
          children += Long.parseLong(stat[13]) + Long.parseLong(stat[14]);
        }
      }
    } catch (IOException e) {
      return null;
    }
    return self.isEmpty() ? null : self.getAsLong() + children;
  }

  private static OptionalLong own(long pid) {
    String[] stat = stat(pid);
    return stat == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(stat[13]) + Long.parseLong(stat[14]));
  }

  private static Long withReaped(long pid) {
    String[] stat = stat(pid);
    return stat == null ? null : withReaped(stat);
  }

  /** utime + stime + the children's it waited for (cutime + cstime). */
  private static long withReaped(String[] stat) {
    return Long.parseLong(stat[13]) + Long.parseLong(stat[14]) + Long.parseLong(stat[15]) + Long.parseLong(stat[16]);
  }

  /**
   * /proc/PID/stat split into its fields, numbered as proc(5) numbers them less one; the command
   * name (field 2) is in parentheses and may hold spaces, so fields are counted after its closing one.
   */
  private static String[] stat(long pid) {
    try {
      String line = Files.readString(PROC.resolve(pid + "/stat"));
      int close = line.lastIndexOf(')');
      String[] rest = line.substring(close + 2).trim().split(" ");
      String[] fields = new String[rest.length + 2];
      fields[0] = String.valueOf(pid);
      fields[1] = line.substring(line.indexOf('(') + 1, close);
      System.arraycopy(rest, 0, fields, 2, rest.length);
      return fields;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Busy and total ticks of all cores from /proc/stat's first line (idle and iowait are not busy). */
  private static long[] machine() {
    try (Stream<String> lines = Files.lines(PROC.resolve("stat"))) {
      String[] cpu = lines.findFirst().orElseThrow().trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < Math.min(cpu.length, 9); i++) {
        total += Long.parseLong(cpu[i]);
      }
      return new long[] {total - Long.parseLong(cpu[4]) - Long.parseLong(cpu[5]), total};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** USER_HZ, the unit of /proc's times: 100 on every Linux this runs on; asked of getconf when it is there. */
  private static double clockTicks() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(getconf.getInputStream().readAllBytes()).trim();
      return getconf.waitFor() == 0 ? Double.parseDouble(out) : 100;
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
