package dev.limiter.benchmarks;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.limiter.benchmarks.TryAcquirePeers.Regime;
import dev.limiter.core.bucket.TokenBucket;

/**
 * The cost of one non-blocking "may I?" call on an in-process rate limiter: {@link TokenBucket#tryAcquire()} side by
 * side with Resilience4j's {@code AtomicRateLimiter.acquirePermission()} (timeout 0), Bucket4j's local lock-free
 * bucket {@code tryConsume(1)} and Guava's {@code RateLimiter.tryAcquire()}, with {@code System.nanoTime()} alone as
 * the floor (every peer reads a clock once per call).
 *
 * <p>Two regimes ({@code regime} parameter, see {@link TryAcquirePeers}): {@code permit}, where limits are so high
 * that every call is granted (the full update path), and {@code reject}, 1,000 permits/s with a burst of 1, where
 * almost every call is refused. There is one limiter instance per peer for the whole run, so with {@code -t 2} two
 * threads contend on the same limiter; in AverageTime mode the score is then the time per call per thread. Run with
 * {@code -prof gc} to see the bytes allocated per call ({@code gc.alloc.rate.norm}):
 * <pre>
 * java -jar limiter-benchmarks/target/benchmarks.jar TryAcquireBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class TryAcquireBenchmark {

	@Param({ "permit", "reject" })
	public String regime;

	private TokenBucket tokenBucket;

	private AtomicRateLimiter resilience4j;

	private Bucket bucket4j;

	private RateLimiter guava;

	@Setup
	public void setUp() {
		Regime peers = Regime.valueOf(this.regime.toUpperCase(Locale.ROOT));
		this.tokenBucket = TryAcquirePeers.tokenBucket(peers);
		this.resilience4j = TryAcquirePeers.resilience4j(peers);
		this.bucket4j = TryAcquirePeers.bucket4j(peers);
		this.guava = TryAcquirePeers.guava(peers);
	}

	@Benchmark
	public long nanoTimeFloor() {
		return System.nanoTime();
	}

	@Benchmark
	public boolean tokenBucket() {
		return this.tokenBucket.tryAcquire();
	}

	@Benchmark
	public boolean resilience4j() {
		return this.resilience4j.acquirePermission();
	}

	@Benchmark
	public boolean bucket4j() {
		return this.bucket4j.tryConsume(1);
	}

	@Benchmark
	public boolean guava() {
		return this.guava.tryAcquire();
	}

}
