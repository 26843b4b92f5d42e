package dev.limiter.core.shedding;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's CPU usage as a fraction of the CPU its container may use, smoothed; the default CPU source of
 * {@link AdaptiveShedder}.
 *
 * <p>The model. Every 250 ms a sample is taken: {@code cpu = ΔcpuTime / (ΔwallTime × cpus)}, clamped to [0, 1],
 * where
 * <ul>
 * <li>under a cgroup CPU quota, {@code cpuTime} is the cgroup's ({@code cpu.stat} usage_usec on cgroup v2,
 * {@code cpuacct.usage} on v1) and {@code cpus} the quota ({@code cpu.max}, or {@code cpu.cfs_quota_us /
 * cpu.cfs_period_us}; the smallest along the cgroup's ancestors, and no more than the available processors);</li>
 * <li>otherwise {@code cpuTime} is the process's own ({@code OperatingSystemMXBean.getProcessCpuTime()}) and
 * {@code cpus} the available processors.</li>
 * </ul>
 * The reported value is go-zero's moving average of the samples: {@code usage = usage · 0.95 + cpu · 0.05},
 * starting at 0 (a time constant of about 5 s). The quota is read again every 10 s.
 *
 * <p>{@link #shared()} is the one instance sampled by a single daemon thread, started on first use;
 * {@link #getAsDouble()} only reads a volatile field. When no source can be read (not Linux, no
 * {@code com.sun.management} bean), the usage stays 0 and a warning is logged once: the shedder then never sees
 * an overloaded CPU.
 */
public final class CpuUsage implements DoubleSupplier {

	/*
	 * Implementation notes:
	 * - go-zero core/stat/usage.go refreshes every 250 ms with beta 0.95 (its 1 - beta is the exact constant 0.05);
	 *   go-zero truncates to integer millicpu, this class keeps the fraction.
	 * - The deltas are this class's own. OperatingSystemMXBean.getProcessCpuLoad()/getCpuLoad() measure since the
	 *   previous call by anyone (their baselines are JVM-wide), so sampling them would skew Micrometer's CPU gauges;
	 *   and JDK 17 misses a quota set on an ancestor cgroup (measured in BENCHMARKS.md).
	 * - Cgroup files are kept open and re-read with a positional read into a reused buffer (CgroupFile), so a
	 *   sample costs a few microseconds and allocates nothing.
	 */

	static final long SAMPLE_INTERVAL_NANOS = 250_000_000L;

	static final int LIMIT_REFRESH_SAMPLES = 40;

	private static final Logger logger = LoggerFactory.getLogger(CpuUsage.class);

	private final CpuSource source;

	private final LongSupplier nanoTime;

	private double limit;

	private long lastCpuTime;

	private long lastWallTime;

	private int samplesSinceLimit;

	private boolean failureLogged;

	private volatile double usage;

	private volatile double latest;

	/**
	 * Creates an unsampled instance over the given source; {@link #sample()} must be called to update it.
	 * @param source the CPU source, or {@code null} for none (the usage stays 0)
	 * @param nanoTime the wall clock
	 */
	CpuUsage(CpuSource source, LongSupplier nanoTime) {
		this.source = source;
		this.nanoTime = Objects.requireNonNull(nanoTime);
		if (source != null) {
			try {
				this.limit = source.cpuLimit();
				this.lastCpuTime = source.cpuTimeNanos();
				this.lastWallTime = nanoTime.getAsLong();
			}
			catch (Exception ex) {
				logFailure(ex);
			}
		}
	}

	/**
	 * Returns the instance sampled every 250 ms by one shared daemon thread ({@code limiter-cpu-usage}), starting it
	 * on the first call.
	 * @return the shared CPU usage
	 */
	public static CpuUsage shared() {
		return Shared.INSTANCE;
	}

	/**
	 * Returns the smoothed CPU usage.
	 * @return the usage, a fraction in [0, 1]
	 */
	@Override
	public double getAsDouble() {
		return this.usage;
	}

	/**
	 * Returns the last unsmoothed sample.
	 * @return the usage over the last 250 ms, a fraction in [0, 1]
	 */
	public double latestSample() {
		return this.latest;
	}

	/**
	 * Describes where the CPU time is read from.
	 * @return a description, e.g. "cgroup v2 /sys/fs/cgroup"
	 */
	public String source() {
		return (this.source != null) ? this.source.description() : "none";
	}

	/** Takes one sample and folds it into the moving average. Called by one thread at a time. */
	synchronized void sample() {
		if (this.source == null) {
			return;
		}
		try {
			if (++this.samplesSinceLimit >= LIMIT_REFRESH_SAMPLES) {
				this.samplesSinceLimit = 0;
				this.limit = this.source.cpuLimit();
			}
			long cpuTime = this.source.cpuTimeNanos();
			long wallTime = this.nanoTime.getAsLong();
			long cpuDelta = cpuTime - this.lastCpuTime;
			long wallDelta = wallTime - this.lastWallTime;
			this.lastCpuTime = cpuTime;
			this.lastWallTime = wallTime;
			if (wallDelta <= 0 || !(this.limit > 0)) {
				return;
			}
			double current = Math.min(1, Math.max(0, (double) cpuDelta / ((double) wallDelta * this.limit)));
			this.latest = current;
			this.usage = this.usage * 0.95 + current * 0.05;
		}
		catch (Exception ex) {
			logFailure(ex);
		}
	}

	private void logFailure(Exception ex) {
		if (!this.failureLogged) {
			this.failureLogged = true;
			logger.warn("Cannot read CPU usage from {}; load shedding will see the CPU as idle", source(), ex);
		}
	}

	private void run() {
		while (true) {
			try {
				Thread.sleep(SAMPLE_INTERVAL_NANOS / 1_000_000L);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			sample();
		}
	}

	@Override
	public String toString() {
		return "CpuUsage[source=" + source() + ", usage=" + this.usage + "]";
	}

	private static final class Shared {

		static final CpuUsage INSTANCE = start();

		private static CpuUsage start() {
			OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
			LongSupplier processCpuTime = (bean instanceof com.sun.management.OperatingSystemMXBean sunBean)
					? sunBean::getProcessCpuTime : null;
			Runtime runtime = Runtime.getRuntime();
			CpuSource source = CpuSource.detect(Path.of("/sys/fs/cgroup"), Path.of("/proc/self/cgroup"),
					runtime::availableProcessors, processCpuTime);
			CpuUsage usage = new CpuUsage(source, System::nanoTime);
			if (source == null) {
				logger.warn("No CPU usage source on this platform; load shedding will see the CPU as idle");
			}
			else {
				logger.debug("Sampling CPU usage from {}", source.description());
				Thread thread = new Thread(usage::run, "limiter-cpu-usage");
				thread.setDaemon(true);
				thread.start();
			}
			return usage;
		}

	}

}
