package dev.limiter.benchmarks.overload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleSupplier;

/**
 * A load signal for the shedder other than this process's CPU: a source sampled by a daemon thread every
 * {@code periodMillis} and smoothed by an exponential moving average ({@code value = value * beta + sample * (1 -
 * beta)}). Sources: the backend's worker utilisation, and the whole host's CPU from {@code /proc/stat} (busy time of
 * every process, neighbours included). Stop it with {@link #close()}.
 */
final class SampledSignal implements DoubleSupplier, AutoCloseable {

	private final Thread sampler;

	private volatile double value;

	SampledSignal(String name, DoubleSupplier source, long periodMillis, double beta) {
		this.sampler = new Thread(() -> {
			while (!Thread.currentThread().isInterrupted()) {
				this.value = this.value * beta + source.getAsDouble() * (1 - beta);
				try {
					Thread.sleep(periodMillis);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "signal-" + name);
		this.sampler.setDaemon(true);
		this.sampler.start();
	}

	@Override
	public double getAsDouble() {
		return this.value;
	}

	@Override
	public void close() {
		this.sampler.interrupt();
	}

	/** The host's CPU busy fraction since the previous call, from the first line of {@code /proc/stat}. */
	static DoubleSupplier hostCpu() {
		long[] previous = new long[2];
		return () -> {
			long[] now = readProcStat();
			double busy = 0;
			if (previous[1] != 0 && now[1] > previous[1]) {
				busy = 1 - (double) (now[0] - previous[0]) / (now[1] - previous[1]);
			}
			previous[0] = now[0];
			previous[1] = now[1];
			return Math.max(0, Math.min(1, busy));
		};
	}

	/** Returns {idle + iowait, total} jiffies of all CPUs; zeros when unreadable. */
	private static long[] readProcStat() {
		try {
			String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
			long total = 0;
			for (int i = 1; i < Math.min(fields.length, 9); i++) {
				total += Long.parseLong(fields[i]);
			}
			return new long[] { Long.parseLong(fields[4]) + Long.parseLong(fields[5]), total };
		}
		catch (IOException | RuntimeException ex) {
			return new long[2];
		}
	}

}
