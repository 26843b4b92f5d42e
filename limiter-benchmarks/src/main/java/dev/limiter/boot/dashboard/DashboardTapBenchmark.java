package dev.limiter.boot.dashboard;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.TokenBucketSpec;

/**
 * What the dashboard adds to one rate-limit decision: the in-memory store alone (the floor), the store behind the
 * dashboard's tap while nobody watches (one volatile read more), and while someone watches (a {@code LongAdder}
 * increment and a top-keys update over 20 counters). Keys: 10,000, drawn uniformly, so that most calls replace a
 * counter (the sketch's slowest path); every call is permitted.
 *
 * <p>Run: {@code java -jar limiter-benchmarks/target/benchmarks.jar DashboardTapBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * -prof gc -t 1} (and {@code -t 2}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DashboardTapBenchmark {

	private static final int KEYS = 10_000;

	private static final int SAMPLES = 1 << 20;

	private final TokenBucketSpec spec = new TokenBucketSpec(1_000_000_000L, Duration.ofSeconds(1), 1_000_000_000L);

	private String[] keys;

	private int[] samples;

	private InMemoryRateLimitStore store;

	private RateLimiterTap idle;

	private RateLimiterTap watched;

	@Setup(Level.Trial)
	public void setUp() {
		this.keys = new String[KEYS];
		for (int i = 0; i < KEYS; i++) {
			this.keys[i] = "api:client-" + i;
		}
		SplittableRandom random = new SplittableRandom(42);
		this.samples = new int[SAMPLES];
		for (int i = 0; i < SAMPLES; i++) {
			this.samples[i] = random.nextInt(KEYS);
		}
		this.store = InMemoryRateLimitStore.builder().maximumKeys(KEYS * 2).build();
		for (String key : this.keys) {
			this.store.acquire(key, this.spec, 1);
		}
		this.idle = new RateLimiterTap(this.store, false, TopKeys.MAX_SIZE);
		this.watched = new RateLimiterTap(this.store, false, TopKeys.MAX_SIZE);
		this.watched.watch(true);
	}

	/** Each thread's position in the key sequence. */
	@State(Scope.Thread)
	public static class Cursor {

		int next = (int) (Thread.currentThread().getId() * 7919);

		int advance(int size) {
			this.next = (this.next + 1) & (size - 1);
			return this.next;
		}

	}

	@Benchmark
	public Decision storeAlone(Cursor cursor) {
		return this.store.acquire(this.keys[this.samples[cursor.advance(SAMPLES)]], this.spec, 1);
	}

	@Benchmark
	public Decision tapWhileNobodyWatches(Cursor cursor) {
		return this.idle.acquire(this.keys[this.samples[cursor.advance(SAMPLES)]], this.spec, 1);
	}

	@Benchmark
	public Decision tapWhileWatched(Cursor cursor) {
		return this.watched.acquire(this.keys[this.samples[cursor.advance(SAMPLES)]], this.spec, 1);
	}

}
