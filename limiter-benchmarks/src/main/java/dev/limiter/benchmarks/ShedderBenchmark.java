package dev.limiter.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.OverloadException;

/**
 * The cost of one call through {@link AdaptiveShedder}, single-threaded: the allocation-free pair
 * {@code tryAcquire()} + {@code release(token, true)} and {@code allow().accept()} while the CPU is idle (the usual
 * case), the same pair while the CPU is over the threshold but the flight is low (the capacity estimate is consulted
 * and nothing is shed), and one shed call; and {@link AdaptiveConcurrencyLimiter}'s {@code allow().accept()}
 * (windows closing and the limit updating included, as every call advances the window) and a refusal. The CPU
 * source is a constant, so the figures exclude the sampler.
 *
 * <pre>
 * ./mvnw -q -B -ntp -pl limiter-benchmarks -am package -DskipTests
 * java -jar limiter-benchmarks/target/benchmarks.jar ShedderBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ShedderBenchmark {

	private AdaptiveShedder idle;

	private AdaptiveShedder hot;

	private AdaptiveShedder shedding;

	private AdaptiveConcurrencyLimiter adaptiveConcurrency;

	private AdaptiveConcurrencyLimiter adaptiveConcurrencyFull;

	@Setup
	public void setUp() {
		this.idle = AdaptiveShedder.builder().name("idle").cpuUsage(() -> 0.2).build();
		this.hot = AdaptiveShedder.builder().name("hot").cpuUsage(() -> 0.95).build();
		this.shedding = AdaptiveShedder.builder().name("shedding").cpuUsage(() -> 0.95).build();
		this.adaptiveConcurrency = AdaptiveConcurrencyLimiter.builder().name("adaptive").build();
		this.adaptiveConcurrencyFull = AdaptiveConcurrencyLimiter.builder()
			.name("full")
			.initialLimit(1)
			.maxLimit(1)
			.build();
		this.adaptiveConcurrencyFull.allow();
		// a flight far above the estimated capacity (at least 1 call), and an average that follows it
		for (int i = 0; i < 1000; i++) {
			this.shedding.tryAcquire();
		}
		for (int i = 0; i < 100; i++) {
			this.shedding.release(this.shedding.tryAcquire(), false);
		}
	}

	@Benchmark
	public long idleTryAcquireAndRelease() {
		long token = this.idle.tryAcquire();
		this.idle.release(token, true);
		return token;
	}

	@Benchmark
	public void idleAllowAndAccept() {
		this.idle.allow().accept();
	}

	@Benchmark
	public long hotTryAcquireAndRelease() {
		long token = this.hot.tryAcquire();
		this.hot.release(token, true);
		return token;
	}

	@Benchmark
	public void adaptiveConcurrencyAllowAndAccept() {
		this.adaptiveConcurrency.allow().accept();
	}

	@Benchmark
	public Object adaptiveConcurrencyRefuses() {
		try {
			return this.adaptiveConcurrencyFull.allow();
		}
		catch (OverloadException ex) {
			return ex;
		}
	}

	@Benchmark
	public long sheddingTryAcquire() {
		return this.shedding.tryAcquire();
	}

	@Benchmark
	public Object sheddingAllowThrows() {
		try {
			return this.shedding.allow();
		}
		catch (OverloadException ex) {
			return ex;
		}
	}

}
