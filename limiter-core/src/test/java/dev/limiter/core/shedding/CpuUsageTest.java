package dev.limiter.core.shedding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class CpuUsageTest {

	private static final long MS = 1_000_000L;

	@TempDir
	Path root;

	private final AtomicLong wall = new AtomicLong(1_000 * MS);

	private final AtomicLong cpuTime = new AtomicLong(5_000 * MS);

	private double limit = 2.0;

	private final CpuSource fakeSource = new CpuSource() {

		@Override
		public long cpuTimeNanos() {
			return CpuUsageTest.this.cpuTime.get();
		}

		@Override
		public double cpuLimit() {
			return CpuUsageTest.this.limit;
		}

		@Override
		public String description() {
			return "fake";
		}

	};

	private void elapse(long wallMillis, long cpuMillis) {
		this.wall.addAndGet(wallMillis * MS);
		this.cpuTime.addAndGet(cpuMillis * MS);
	}

	@Test
	void samplesAreCpuTimeOverWallTimeTimesCpusSmoothedLikeGoZero() {
		CpuUsage usage = new CpuUsage(this.fakeSource, this.wall::get);
		assertThat(usage.getAsDouble()).isZero();
		elapse(250, 250); // half of 2 CPUs
		usage.sample();
		assertThat(usage.latestSample()).isEqualTo(0.5);
		double expected = 0.0 * 0.95 + 0.5 * 0.05;
		assertThat(usage.getAsDouble()).isEqualTo(expected);
		elapse(250, 500); // all of 2 CPUs
		usage.sample();
		expected = expected * 0.95 + 1.0 * 0.05;
		assertThat(usage.latestSample()).isEqualTo(1.0);
		assertThat(usage.getAsDouble()).isEqualTo(expected);
		elapse(250, 0);
		usage.sample();
		expected = expected * 0.95;
		assertThat(usage.getAsDouble()).isEqualTo(expected);
	}

	@Test
	void aSustainedLoadConvergesToItsValue() {
		CpuUsage usage = new CpuUsage(this.fakeSource, this.wall::get);
		for (int i = 0; i < 200; i++) {
			elapse(250, 450); // 0.9 of 2 CPUs
			usage.sample();
		}
		assertThat(usage.getAsDouble()).isCloseTo(0.9, org.assertj.core.api.Assertions.within(1e-4));
	}

	@Test
	void samplesAreClampedToZeroAndOne() {
		CpuUsage usage = new CpuUsage(this.fakeSource, this.wall::get);
		elapse(250, 2_000);
		usage.sample();
		assertThat(usage.latestSample()).isEqualTo(1.0);
		elapse(250, -1_000); // a counter reset
		usage.sample();
		assertThat(usage.latestSample()).isZero();
	}

	@Test
	void noWallTimeNoSample() {
		CpuUsage usage = new CpuUsage(this.fakeSource, this.wall::get);
		elapse(0, 100);
		usage.sample();
		assertThat(usage.getAsDouble()).isZero();
		assertThat(usage.latestSample()).isZero();
	}

	@Test
	void theLimitIsReadAgainEvery40Samples() {
		CpuUsage usage = new CpuUsage(this.fakeSource, this.wall::get);
		this.limit = 1.0;
		for (int i = 1; i < CpuUsage.LIMIT_REFRESH_SAMPLES; i++) {
			elapse(250, 125);
			usage.sample();
			assertThat(usage.latestSample()).as("sample %d, old limit of 2 CPUs", i).isEqualTo(0.25);
		}
		elapse(250, 125);
		usage.sample();
		assertThat(usage.latestSample()).isEqualTo(0.5);
	}

	@Test
	void anUnreadableSourceLeavesTheUsageAlone() {
		CpuSource failing = new CpuSource() {

			@Override
			public long cpuTimeNanos() throws IOException {
				throw new IOException("gone");
			}

			@Override
			public double cpuLimit() {
				return 1;
			}

			@Override
			public String description() {
				return "failing";
			}

		};
		CpuUsage usage = new CpuUsage(failing, this.wall::get);
		elapse(250, 250);
		usage.sample();
		assertThat(usage.getAsDouble()).isZero();
		assertThat(usage.source()).isEqualTo("failing");
		assertThat(new CpuUsage(null, this.wall::get).source()).isEqualTo("none");
	}

	@Test
	void theSharedInstanceIsOneAndReportsAFraction() {
		CpuUsage shared = CpuUsage.shared();
		assertThat(CpuUsage.shared()).isSameAs(shared);
		assertThat(shared.getAsDouble()).isBetween(0.0, 1.0);
	}

	@Test
	void cgroupFileReadsAKeyedNumberRepeatedly() throws IOException {
		Path stat = write("cpu.stat", "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 0\n");
		CgroupFile file = new CgroupFile(stat);
		assertThat(file.readLong("usage_usec".getBytes())).isEqualTo(123456);
		assertThat(file.readLong("system_usec".getBytes())).isEqualTo(23456);
		assertThat(file.readLong("nr_periods".getBytes())).isZero();
		Files.writeString(stat, "usage_usec 999\n");
		assertThat(file.readLong("usage_usec".getBytes())).isEqualTo(999);
		assertThatIOException().isThrownBy(() -> file.readLong("usage".getBytes()))
			.withMessageStartingWith("No 'usage' in");
		file.close();
	}

	@Test
	void cgroupFileReadsAPlainNumber() throws IOException {
		CgroupFile file = new CgroupFile(write("cpuacct.usage", "398536522185\n"));
		assertThat(file.readLong(null)).isEqualTo(398536522185L);
		assertThat(new CgroupFile(write("quota", "-1\n")).readLong(null)).isEqualTo(-1);
		assertThatIOException().isThrownBy(() -> new CgroupFile(write("empty", "\n")).readLong(null));
		assertThatIOException().isThrownBy(() -> new CgroupFile(this.root.resolve("missing")).readLong(null));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "max 100000|Infinity", "150000 100000|1.5", "50000 100000|0.5",
			"200000|2.0", "max|Infinity" })
	void parsesCpuMax(String content, double cpus) throws IOException {
		assertThat(CpuSource.CgroupV2.parseCpuMax(content)).isEqualTo(cpus);
	}

	@Test
	void cpuMaxMayEndWithANewline() throws IOException {
		assertThat(CpuSource.CgroupV2.parseCpuMax("50000 100000\n")).isEqualTo(0.5);
	}

	@Test
	void anUnreadableCpuMaxIsAnError() {
		assertThatIOException().isThrownBy(() -> CpuSource.CgroupV2.parseCpuMax("lots 100000"))
			.withMessage("Unreadable cpu.max 'lots 100000'");
	}

	@Test
	void detectsCgroupV2WithAQuotaOnAnAncestor() throws IOException {
		write("cgroup.controllers", "cpuset cpu io memory pids\n");
		write("parent/cpu.max", "150000 100000\n");
		write("parent/child/cpu.max", "max 100000\n");
		write("parent/child/cpu.stat", "usage_usec 2500\nuser_usec 2000\n");
		Path membership = write("self-cgroup", "0::/parent/child\n");
		CpuSource source = CpuSource.detect(this.root, membership, () -> 4, () -> 7);
		assertThat(source).isInstanceOf(CpuSource.CgroupV2.class);
		assertThat(source.description()).isEqualTo("cgroup v2 " + this.root.resolve("parent/child"));
		assertThat(source.cpuTimeNanos()).isEqualTo(2_500_000);
		assertThat(source.cpuLimit()).isEqualTo(1.5);
	}

	@Test
	void cgroupV2QuotaIsCappedByTheAvailableProcessors() throws IOException {
		write("cgroup.controllers", "cpu\n");
		write("cpu.max", "800000 100000\n");
		write("cpu.stat", "usage_usec 1\n");
		// in a cgroup namespace the process sees its own cgroup as the root
		CpuSource source = CpuSource.detect(this.root, write("self-cgroup", "0::/\n"), () -> 2, () -> 7);
		assertThat(source).isInstanceOf(CpuSource.CgroupV2.class);
		assertThat(source.cpuLimit()).isEqualTo(2.0);
	}

	@Test
	void withoutAQuotaTheProcessCpuTimeIsUsed() throws IOException {
		write("cgroup.controllers", "cpu\n");
		write("cpu.max", "max 100000\n");
		write("cpu.stat", "usage_usec 1\n");
		CpuSource source = CpuSource.detect(this.root, write("self-cgroup", "0::/\n"), () -> 3, () -> 42);
		assertThat(source).isInstanceOf(CpuSource.ProcessTime.class);
		assertThat(source.cpuTimeNanos()).isEqualTo(42);
		assertThat(source.cpuLimit()).isEqualTo(3.0);
		assertThat(CpuSource.detect(this.root, this.root.resolve("missing"), () -> 3, null)).isNull();
	}

	@Test
	void processCpuTimeUnsupportedIsAnError() {
		CpuSource source = new CpuSource.ProcessTime(() -> -1, () -> 1);
		assertThatIOException().isThrownBy(source::cpuTimeNanos);
	}

	@Test
	void detectsCgroupV1WithACfsQuota() throws IOException {
		write("cpu/cpu.cfs_quota_us", "50000\n");
		write("cpu/cpu.cfs_period_us", "100000\n");
		write("cpuacct/cpuacct.usage", "398536522185\n");
		Path membership = write("self-cgroup", "4:memory:/x\n2:cpuacct:/\n1:cpu:/\n");
		CpuSource source = CpuSource.detect(this.root, membership, () -> 2, () -> 7);
		assertThat(source).isInstanceOf(CpuSource.CgroupV1.class);
		assertThat(source.cpuTimeNanos()).isEqualTo(398536522185L);
		assertThat(source.cpuLimit()).isEqualTo(0.5);
	}

	@Test
	void cgroupV1FollowsTheProcessCgroupPath() throws IOException {
		write("cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
		write("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
		write("cpu,cpuacct/cpuacct.usage", "1\n");
		write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "150000\n");
		write("cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
		write("cpu,cpuacct/docker/abc/cpuacct.usage", "77\n");
		Path membership = write("self-cgroup", "3:cpu,cpuacct:/docker/abc\n");
		CpuSource source = CpuSource.detect(this.root, membership, () -> 4, () -> 7);
		assertThat(source).isInstanceOf(CpuSource.CgroupV1.class);
		assertThat(source.cpuTimeNanos()).isEqualTo(77);
		assertThat(source.cpuLimit()).isEqualTo(1.5);
	}

	@Test
	void cgroupV1WithoutAQuotaFallsBackToTheProcess() throws IOException {
		write("cpu/cpu.cfs_quota_us", "-1\n");
		write("cpu/cpu.cfs_period_us", "100000\n");
		write("cpuacct/cpuacct.usage", "1\n");
		CpuSource source = CpuSource.detect(this.root, write("self-cgroup", "1:cpu:/\n"), () -> 2, () -> 7);
		assertThat(source).isInstanceOf(CpuSource.ProcessTime.class);
	}

	@Test
	void cgroupPathsAreReadFromProcSelfCgroup() {
		List<String> membership = List.of("12:pids:/a", "4:cpu,cpuacct:/b", "0::/c");
		assertThat(CpuSource.cgroupPath(membership, null)).isEqualTo("/c");
		assertThat(CpuSource.cgroupPath(membership, "cpu")).isEqualTo("/b");
		assertThat(CpuSource.cgroupPath(membership, "cpuacct")).isEqualTo("/b");
		assertThat(CpuSource.cgroupPath(membership, "memory")).isNull();
	}

	private Path write(String name, String content) throws IOException {
		Path file = this.root.resolve(name);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
		return file;
	}

}
