package dev.limiter.core.shedding;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * Compares the JDK's own CPU readings with {@link CpuSource}'s: burns CPU on a number of threads and prints, once a
 * second, {@code OperatingSystemMXBean.getProcessCpuLoad()} and {@code getCpuLoad()} next to the cgroup's usage over
 * the quota ({@link CpuSource}, as {@link CpuUsage} samples it) and the process's own CPU time over the same quota.
 * Meant to run inside a cgroup with a CPU quota: {@code scripts/cpu-readings.sh} sets one up. In this package only
 * because {@link CpuSource} is package-private.
 *
 * <pre>
 * java -cp limiter-benchmarks/target/benchmarks.jar dev.limiter.core.shedding.CpuReadingProbe threads seconds
 * </pre>
 */
public final class CpuReadingProbe {

	private static volatile long sink;

	private CpuReadingProbe() {
	}

	public static void main(String[] args) throws Exception {
		int threads = Integer.parseInt(args[0]);
		int seconds = Integer.parseInt(args[1]);
		com.sun.management.OperatingSystemMXBean bean = (com.sun.management.OperatingSystemMXBean) ManagementFactory
			.getOperatingSystemMXBean();
		CpuSource source = CpuSource.detect(Path.of("/sys/fs/cgroup"), Path.of("/proc/self/cgroup"),
				() -> Runtime.getRuntime().availableProcessors(), bean::getProcessCpuTime);
		System.out.printf("source: %s, cpus %.3f; availableProcessors %d%n", source.description(),
				source.cpuLimit(), Runtime.getRuntime().availableProcessors());
		for (int i = 0; i < threads; i++) {
			Thread burner = new Thread(CpuReadingProbe::burn, "burner-" + i);
			burner.setDaemon(true);
			burner.start();
		}
		bean.getProcessCpuLoad();
		bean.getCpuLoad();
		long lastCgroup = source.cpuTimeNanos();
		long lastProcess = bean.getProcessCpuTime();
		long lastWall = System.nanoTime();
		System.out.println("second | getProcessCpuLoad | getCpuLoad | CpuSource | process time / cpus");
		for (int second = 1; second <= seconds; second++) {
			Thread.sleep(1000);
			double processLoad = bean.getProcessCpuLoad();
			double cpuLoad = bean.getCpuLoad();
			long cgroup = source.cpuTimeNanos();
			long process = bean.getProcessCpuTime();
			long wall = System.nanoTime();
			double budget = (wall - lastWall) * source.cpuLimit();
			System.out.printf("%6d | %17.3f | %10.3f | %9.3f | %19.3f%n", second, processLoad, cpuLoad,
					(cgroup - lastCgroup) / budget, (process - lastProcess) / budget);
			lastCgroup = cgroup;
			lastProcess = process;
			lastWall = wall;
		}
	}

	private static void burn() {
		long x = 0;
		while (true) {
			x = x * 31 + 7;
			if ((x & 0xFFFFFF) == 0) {
				sink = x;
			}
		}
	}

}
