package dev.limiter.core.shedding;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Where {@link CpuUsage} reads CPU time from: a cumulative CPU time and the number of CPUs it may grow by per unit
 * of wall time.
 */
interface CpuSource {

	/**
	 * Returns the cumulative CPU time consumed, in nanoseconds.
	 * @throws IOException if it cannot be read
	 */
	long cpuTimeNanos() throws IOException;

	/**
	 * Returns how many CPUs the measured processes may use (may be fractional, e.g. 1.5 under a quota).
	 * @throws IOException if it cannot be read
	 */
	double cpuLimit() throws IOException;

	/** Describes the source, for logs. */
	String description();

	/**
	 * Picks the source for this process: the cgroup (v2, else v1) when it has a CPU quota, else the process's own
	 * CPU time over the available processors, else {@code null}.
	 * @param cgroupRoot where cgroups are mounted ({@code /sys/fs/cgroup})
	 * @param procSelfCgroup the process's cgroup membership ({@code /proc/self/cgroup})
	 * @param processors the available processors
	 * @param processCpuTime the process's CPU time in nanoseconds, or {@code null} when unavailable
	 */
	static CpuSource detect(Path cgroupRoot, Path procSelfCgroup, IntSupplier processors, LongSupplier processCpuTime) {
		List<String> membership = readLines(procSelfCgroup);
		CpuSource cgroup = Files.exists(cgroupRoot.resolve("cgroup.controllers"))
				? CgroupV2.of(cgroupRoot, membership, processors) : CgroupV1.of(cgroupRoot, membership, processors);
		if (cgroup != null) {
			return cgroup;
		}
		return (processCpuTime != null) ? new ProcessTime(processCpuTime, processors) : null;
	}

	private static List<String> readLines(Path path) {
		try {
			return Files.readAllLines(path, StandardCharsets.US_ASCII);
		}
		catch (IOException | RuntimeException ex) {
			return List.of();
		}
	}

	/** The cgroup path of a controller in {@code /proc/self/cgroup} ("0::/path" for v2), or {@code null}. */
	static String cgroupPath(List<String> membership, String controller) {
		for (String line : membership) {
			String[] parts = line.split(":", 3);
			if (parts.length < 3) {
				continue;
			}
			if (controller == null ? parts[0].equals("0") && parts[1].isEmpty()
					: List.of(parts[1].split(",")).contains(controller)) {
				return parts[2];
			}
		}
		return null;
	}

	/** {@code base} joined with the cgroup path when that directory exists (no cgroup namespace), else {@code base}. */
	static Path resolve(Path base, String cgroupPath, String probeFile) {
		if (cgroupPath != null && !cgroupPath.equals("/")) {
			Path dir = base.resolve(cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath).normalize();
			if (dir.startsWith(base) && Files.exists(dir.resolve(probeFile))) {
				return dir;
			}
		}
		return base;
	}

	/** The smallest quota from {@code dir} up to {@code top}, in CPUs; infinite when none is set. */
	static double quota(Path dir, Path top, QuotaReader reader) throws IOException {
		double limit = Double.POSITIVE_INFINITY;
		for (Path current = dir; current != null && current.startsWith(top); current = current.getParent()) {
			limit = Math.min(limit, reader.read(current));
		}
		return limit;
	}

	/** Reads the quota set in one cgroup directory, in CPUs; infinite when none. */
	@FunctionalInterface
	interface QuotaReader {

		double read(Path dir) throws IOException;

	}

	/**
	 * A cgroup with a CPU quota: the quota is the smallest set from its directory up to the hierarchy's root,
	 * capped at the available processors.
	 */
	abstract class Cgroup implements CpuSource {

		private final Path quotaDir;

		private final Path quotaRoot;

		private final IntSupplier processors;

		private final QuotaReader reader;

		Cgroup(Path quotaDir, Path quotaRoot, IntSupplier processors, QuotaReader reader) {
			this.quotaDir = quotaDir;
			this.quotaRoot = quotaRoot;
			this.processors = processors;
			this.reader = reader;
		}

		/** The source when its CPU time can be read and a quota is set, else {@code null}. */
		static <S extends Cgroup> S ifLimited(S source) {
			try {
				source.cpuTimeNanos();
				return Double.isFinite(source.quota()) ? source : null;
			}
			catch (IOException ex) {
				return null;
			}
		}

		/** A quota of {@code quota} µs per {@code period} µs, in CPUs; infinite unless both are positive. */
		static double cpus(long quota, long period) {
			return (quota > 0 && period > 0) ? (double) quota / period : Double.POSITIVE_INFINITY;
		}

		@Override
		public final double cpuLimit() throws IOException {
			return Math.min(quota(), this.processors.getAsInt());
		}

		final double quota() throws IOException {
			return CpuSource.quota(this.quotaDir, this.quotaRoot, this.reader);
		}

	}

	/** cgroup v2: {@code cpu.stat} usage_usec and {@code cpu.max} ("max 100000" or "quota period"). */
	final class CgroupV2 extends Cgroup {

		private static final byte[] USAGE_USEC = "usage_usec".getBytes(StandardCharsets.US_ASCII);

		private final Path dir;

		private final CgroupFile stat;

		CgroupV2(Path dir, Path root, IntSupplier processors) {
			super(dir, root, processors, CgroupV2::readCpuMax);
			this.dir = dir;
			this.stat = new CgroupFile(dir.resolve("cpu.stat"));
		}

		static CgroupV2 of(Path root, List<String> membership, IntSupplier processors) {
			Path dir = resolve(root, cgroupPath(membership, null), "cpu.stat");
			return ifLimited(new CgroupV2(dir, root, processors));
		}

		@Override
		public long cpuTimeNanos() throws IOException {
			return this.stat.readLong(USAGE_USEC) * 1000;
		}

		static double readCpuMax(Path dir) throws IOException {
			Path file = dir.resolve("cpu.max");
			if (!Files.exists(file)) {
				return Double.POSITIVE_INFINITY;
			}
			return parseCpuMax(Files.readString(file, StandardCharsets.US_ASCII));
		}

		/** Parses {@code cpu.max}: "max 100000" is no limit; "150000 100000" is 1.5 CPUs. */
		static double parseCpuMax(String content) throws IOException {
			String[] parts = content.trim().split("\\s+");
			if (parts.length == 0 || parts[0].equals("max")) {
				return Double.POSITIVE_INFINITY;
			}
			try {
				long quota = Long.parseLong(parts[0]);
				long period = (parts.length > 1) ? Long.parseLong(parts[1]) : 100_000;
				return cpus(quota, period);
			}
			catch (NumberFormatException ex) {
				throw new IOException("Unreadable cpu.max '" + content.trim() + "'", ex);
			}
		}

		@Override
		public String description() {
			return "cgroup v2 " + this.dir;
		}

	}

	/** cgroup v1: {@code cpuacct.usage} (ns) and {@code cpu.cfs_quota_us} / {@code cpu.cfs_period_us}. */
	final class CgroupV1 extends Cgroup {

		private final Path cpuDir;

		private final CgroupFile usage;

		CgroupV1(Path cpuDir, Path cpuRoot, Path cpuacctDir, IntSupplier processors) {
			super(cpuDir, cpuRoot, processors, CgroupV1::readCfsQuota);
			this.cpuDir = cpuDir;
			this.usage = new CgroupFile(cpuacctDir.resolve("cpuacct.usage"));
		}

		static CgroupV1 of(Path root, List<String> membership, IntSupplier processors) {
			Path cpuRoot = firstExisting(root, "cpu", "cpu,cpuacct", "cpuacct,cpu");
			Path cpuacctRoot = firstExisting(root, "cpuacct", "cpu,cpuacct", "cpuacct,cpu");
			if (cpuRoot == null || cpuacctRoot == null) {
				return null;
			}
			Path cpuDir = resolve(cpuRoot, cgroupPath(membership, "cpu"), "cpu.cfs_quota_us");
			Path cpuacctDir = resolve(cpuacctRoot, cgroupPath(membership, "cpuacct"), "cpuacct.usage");
			return ifLimited(new CgroupV1(cpuDir, cpuRoot, cpuacctDir, processors));
		}

		private static Path firstExisting(Path root, String... names) {
			for (String name : names) {
				Path dir = root.resolve(name);
				if (Files.isDirectory(dir)) {
					return dir;
				}
			}
			return null;
		}

		@Override
		public long cpuTimeNanos() throws IOException {
			return this.usage.readLong(null);
		}

		/** Reads {@code cpu.cfs_quota_us} / {@code cpu.cfs_period_us}; a quota of -1 is no limit. */
		static double readCfsQuota(Path dir) throws IOException {
			Path quotaFile = dir.resolve("cpu.cfs_quota_us");
			Path periodFile = dir.resolve("cpu.cfs_period_us");
			if (!Files.exists(quotaFile) || !Files.exists(periodFile)) {
				return Double.POSITIVE_INFINITY;
			}
			try {
				long quota = Long.parseLong(Files.readString(quotaFile, StandardCharsets.US_ASCII).trim());
				long period = Long.parseLong(Files.readString(periodFile, StandardCharsets.US_ASCII).trim());
				return cpus(quota, period);
			}
			catch (NumberFormatException ex) {
				throw new IOException("Unreadable CFS quota in " + dir, ex);
			}
		}

		@Override
		public String description() {
			return "cgroup v1 " + this.cpuDir;
		}

	}

	/** The process's own CPU time ({@code OperatingSystemMXBean.getProcessCpuTime()}) over its processors. */
	final class ProcessTime implements CpuSource {

		private final LongSupplier cpuTime;

		private final IntSupplier processors;

		ProcessTime(LongSupplier cpuTime, IntSupplier processors) {
			this.cpuTime = cpuTime;
			this.processors = processors;
		}

		@Override
		public long cpuTimeNanos() throws IOException {
			long nanos = this.cpuTime.getAsLong();
			if (nanos < 0) {
				throw new IOException("Process CPU time is not supported on this JVM");
			}
			return nanos;
		}

		@Override
		public double cpuLimit() {
			return this.processors.getAsInt();
		}

		@Override
		public String description() {
			return "process CPU time";
		}

	}

}
