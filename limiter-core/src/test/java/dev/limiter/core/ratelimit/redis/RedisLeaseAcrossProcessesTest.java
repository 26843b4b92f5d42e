package dev.limiter.core.ratelimit.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.limiter.core.redis.testing.RedisClusterProcess;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leases across processes: four JVMs, each one instance (its own store and connection) with 16 threads on one key
 * of one limit, never admit more than the limit together, and no less than the limit minus 4 × the lease size.
 */
@RedisServerTest
class RedisLeaseAcrossProcessesTest {

	private static final Logger logger = LoggerFactory.getLogger(RedisLeaseAcrossProcessesTest.class);

	private static final int INSTANCES = 4;

	private static final long LIMIT = 3000;

	@ParameterizedTest
	@ValueSource(strings = { "token-bucket", "fixed-window", "sliding-window" })
	void fourJvmsNeverAdmitMoreThanTheLimitOnStandalone(String algorithm, RedisServerProcess server)
			throws Exception {
		run("standalone", server.address(), algorithm, () -> server.commandCalls("evalsha"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "token-bucket", "fixed-window", "sliding-window" })
	void fourJvmsNeverAdmitMoreThanTheLimitOnCluster(String algorithm, RedisClusterProcess cluster) throws Exception {
		run("cluster", String.join(",", cluster.addresses()), algorithm, () -> cluster.commandCalls("evalsha"));
	}

	private static void run(String topology, String addresses, String algorithm, LongSupplier evalshaCalls)
			throws Exception {
		String name = "processes-" + UUID.randomUUID();
		List<Process> processes = new ArrayList<>();
		try {
			for (int i = 0; i < INSTANCES; i++) {
				processes.add(new ProcessBuilder(javaCommand(topology, addresses, algorithm, name))
					.redirectError(ProcessBuilder.Redirect.INHERIT)
					.start());
			}
			List<BufferedReader> outputs = new ArrayList<>();
			for (Process process : processes) {
				BufferedReader output = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
				assertThat(line(output, "READY")).as("instance %s started", process.pid()).isEqualTo("READY");
				outputs.add(output);
			}
			long evalshaBefore = evalshaCalls.getAsLong();
			for (Process process : processes) {
				Writer input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
				input.write("go\n");
				input.flush();
			}
			long admitted = 0;
			long decisions = 0;
			for (int i = 0; i < INSTANCES; i++) {
				String[] result = line(outputs.get(i), "RESULT ").split(" ");
				assertThat(result[3]).as("fallback decisions").isEqualTo("0");
				assertThat(result[4]).as("errors").isEqualTo("0");
				admitted += Long.parseLong(result[1]);
				decisions += Long.parseLong(result[2]);
				assertThat(processes.get(i).waitFor(30, TimeUnit.SECONDS)).isTrue();
				assertThat(processes.get(i).exitValue()).isZero();
			}
			long redisCalls = evalshaCalls.getAsLong() - evalshaBefore;
			logger.info("leases across {} JVMs, {}, {}: {} admitted of {}, {} decisions, {} EVALSHA", INSTANCES,
					topology, algorithm, admitted, LIMIT, decisions, redisCalls);
			assertThat(admitted).as("%s admitted by %d JVMs × %d threads", algorithm, INSTANCES,
					LeasingInstanceMain.THREADS)
				.isLessThanOrEqualTo(LIMIT)
				.isGreaterThanOrEqualTo(LIMIT - INSTANCES * LeasingInstanceMain.LEASE_PERMITS);
			assertThat(redisCalls).as("Redis calls for %d admitted of %d decisions", admitted, decisions)
				.isLessThan(admitted / 4);
		}
		finally {
			processes.forEach(Process::destroyForcibly);
		}
	}

	/** The first line that starts with the prefix; the instance's log lines are printed here. */
	private static String line(BufferedReader output, String prefix) throws IOException {
		String line;
		while ((line = output.readLine()) != null) {
			if (line.startsWith(prefix)) {
				return line;
			}
			logger.info("instance: {}", line);
		}
		throw new AssertionError("an instance ended without printing " + prefix.trim() + " (its errors are above)");
	}

	private static List<String> javaCommand(String topology, String addresses, String algorithm, String name) {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		// surefire's class path (its manifest-only booter jar names every entry)
		return List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
				LeasingInstanceMain.class.getName(), topology, addresses, algorithm, Long.toString(LIMIT), name);
	}

}
