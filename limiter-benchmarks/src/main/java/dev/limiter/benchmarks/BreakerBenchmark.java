package dev.limiter.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
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

import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;

/**
 * The cost of one protected call through a circuit breaker, single-threaded: permit plus success report on a
 * healthy (closed) breaker, and one refusal on an open breaker, for {@link ThresholdBreaker} (token pair and
 * {@code allow()} promise, untimed and timed) and {@code SreBreaker}, against Resilience4j {@link CircuitBreaker}
 * 2.4.0 with its defaults ({@code tryAcquirePermission()} + {@code onSuccess(0, NANOSECONDS)}).
 *
 * <p>Run with the GC profiler to see allocations:
 * <pre>
 * ./mvnw -q -B -ntp -pl limiter-benchmarks -am package -DskipTests
 * java -jar limiter-benchmarks/target/benchmarks.jar BreakerBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BreakerBenchmark {

	private CircuitBreaker resilience4jClosed;

	private CircuitBreaker resilience4jOpen;

	private ThresholdBreaker thresholdClosed;

	private ThresholdBreaker thresholdTimed;

	private ThresholdBreaker thresholdOpen;

	private SreBreaker sreClosed;

	private SreBreaker sreOpen;

	@Setup
	public void setUp() {
		this.resilience4jClosed = CircuitBreaker.of("closed", CircuitBreakerConfig.ofDefaults());
		this.resilience4jOpen = CircuitBreaker.of("open", CircuitBreakerConfig.ofDefaults());
		this.resilience4jOpen.transitionToOpenState();
		this.thresholdClosed = ThresholdBreaker.builder("closed").build();
		this.thresholdTimed = ThresholdBreaker.builder("timed")
			.slowCallRateThreshold(0.9)
			.slowCallDuration(Duration.ofSeconds(1))
			.build();
		this.thresholdOpen = ThresholdBreaker.builder("open").minimumCalls(1).build();
		this.thresholdOpen.onResult(this.thresholdOpen.tryAcquire(), false); // tripped: OPEN for 60 s
		this.sreClosed = SreBreaker.builder("closed").build();
		// draws of 0 drop every call while the drop ratio is positive; the drops keep the window full
		this.sreOpen = SreBreaker.builder("open").random(() -> 0.0).build();
		while (this.sreOpen.dropRatio() < 0.9) {
			try {
				this.sreOpen.allow().reject("down");
			}
			catch (BreakerOpenException ex) {
				// dropped: recorded
			}
		}
	}

	@Benchmark
	public void sreClosedAllowAndAccept() {
		this.sreClosed.allow().accept();
	}

	@Benchmark
	public Object sreOpenAllowThrows() {
		try {
			return this.sreOpen.allow();
		}
		catch (BreakerOpenException ex) {
			return ex;
		}
	}

	@Benchmark
	public boolean resilience4jClosedAcquireAndSuccess() {
		boolean permitted = this.resilience4jClosed.tryAcquirePermission();
		this.resilience4jClosed.onSuccess(0, TimeUnit.NANOSECONDS);
		return permitted;
	}

	@Benchmark
	public boolean resilience4jOpenRejection() {
		return this.resilience4jOpen.tryAcquirePermission();
	}

	@Benchmark
	public long thresholdClosedTokenAndSuccess() {
		long token = this.thresholdClosed.tryAcquire();
		this.thresholdClosed.onResult(token, true);
		return token;
	}

	@Benchmark
	public void thresholdClosedAllowAndAccept() {
		this.thresholdClosed.allow().accept();
	}

	@Benchmark
	public long thresholdTimedTokenAndSuccess() {
		long token = this.thresholdTimed.tryAcquire();
		this.thresholdTimed.onResult(token, true);
		return token;
	}

	@Benchmark
	public void thresholdTimedAllowAndAccept() {
		this.thresholdTimed.allow().accept();
	}

	@Benchmark
	public long thresholdOpenRejection() {
		return this.thresholdOpen.tryAcquire();
	}

	@Benchmark
	public Object thresholdOpenAllowThrows() {
		try {
			return this.thresholdOpen.allow();
		}
		catch (BreakerOpenException ex) {
			return ex;
		}
	}

}
