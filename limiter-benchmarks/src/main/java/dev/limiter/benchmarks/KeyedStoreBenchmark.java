package dev.limiter.benchmarks;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import dev.limiter.core.Clock;
import dev.limiter.core.ratelimit.CaffeineRateLimitStore;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;

/**
 * Measures one keyed token-bucket decision of the {@link InMemoryRateLimitStore} over a million keys, chosen with a
 * Zipf distribution (exponent 0.99, as YCSB): a few hot keys and a long tail, as client addresses or API keys are.
 * The stores are bounded above the key count and filled in setup, so this is the steady state of known keys: the
 * table lookup, the key's lock, the bucket arithmetic and the returned {@code Decision}. Keys and the Zipf sample
 * sequence are generated beforehand, and a million decisions settle each store before measuring; each thread walks
 * the sample sequence from its own offset.
 *
 * <p>In one run: {@code baselineMapLookup*} looks the same keys up in a plain map (the memory latency of a million
 * keys on the machine at hand, which no keyed store can beat); {@code tokenBucketZipf*} is the store's
 * {@code acquire(key, spec, permits)}; {@code rateLimiterZipf*} is {@link RateLimiter#acquire(String)} over the store
 * (the bound path, keys namespaced by the limiter's name); {@code caffeineStore*} is the store before issue 12
 * ({@link CaffeineRateLimitStore}: Caffeine, maintenance on the common pool) and {@code caffeineSameThread*} the same
 * with Caffeine's maintenance on the calling thread.
 *
 * <p>Run: {@code java -jar limiter-benchmarks/target/benchmarks.jar KeyedStoreBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * -prof gc}; the tail: add {@code -bm sample} and read p0.99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyedStoreBenchmark {

	private static final int SAMPLES = 1 << 22;

	@Param("1000000")
	int keyCount;

	private String[] keys;

	private int[] samples;

	private InMemoryRateLimitStore store;

	private RateLimiter limiter;

	private CaffeineRateLimitStore caffeineStore;

	private CaffeineRateLimitStore caffeineSameThreadStore;

	private ConcurrentHashMap<String, Object> map;

	// refills in a minute: an idle key stays known for the whole run, so every decision is on a known key
	private final TokenBucketSpec spec = new TokenBucketSpec(1000, Duration.ofMinutes(1), 1000);

	@Setup(Level.Trial)
	public void setUp() {
		this.keys = new String[this.keyCount];
		for (int i = 0; i < this.keyCount; i++) {
			this.keys[i] = "client-" + i;
		}
		this.samples = zipfSamples(this.keyCount, 0.99, SAMPLES, new SplittableRandom(42));
		long bound = this.keyCount + this.keyCount / 4;
		this.store = InMemoryRateLimitStore.builder().maximumKeys(bound).build();
		this.limiter = new RateLimiter("api", this.spec,
				InMemoryRateLimitStore.builder().maximumKeys(bound).build());
		this.caffeineStore = new CaffeineRateLimitStore(Clock.system(), bound, ForkJoinPool.commonPool());
		this.caffeineSameThreadStore = new CaffeineRateLimitStore(Clock.system(), bound, Runnable::run);
		this.map = new ConcurrentHashMap<>();
		for (String key : this.keys) {
			this.store.acquire(key, this.spec, 1);
			this.limiter.acquire(key);
			this.caffeineStore.acquire(key, this.spec, 1);
			this.caffeineSameThreadStore.acquire(key, this.spec, 1);
			this.map.put(key, new long[2]);
		}
		// settle the caches (pending maintenance after a million insertions) and the JIT before measuring
		for (int i = 0; i < SAMPLES / 4; i++) {
			String key = this.keys[this.samples[i]];
			this.store.acquire(key, this.spec, 1);
			this.limiter.acquire(key);
			this.caffeineStore.acquire(key, this.spec, 1);
			this.caffeineSameThreadStore.acquire(key, this.spec, 1);
		}
	}

	/** Draws {@code count} key indexes, rank {@code r} with weight {@code 1 / r^exponent}, ranks shuffled over keys. */
	static int[] zipfSamples(int keyCount, double exponent, int count, SplittableRandom random) {
		double[] cumulative = new double[keyCount];
		double sum = 0;
		for (int rank = 0; rank < keyCount; rank++) {
			sum += 1 / Math.pow(rank + 1, exponent);
			cumulative[rank] = sum;
		}
		int[] keyOfRank = new int[keyCount];
		for (int i = 0; i < keyCount; i++) {
			keyOfRank[i] = i;
		}
		for (int i = keyCount - 1; i > 0; i--) {
			int j = random.nextInt(i + 1);
			int t = keyOfRank[i];
			keyOfRank[i] = keyOfRank[j];
			keyOfRank[j] = t;
		}
		int[] samples = new int[count];
		for (int i = 0; i < count; i++) {
			double u = random.nextDouble() * sum;
			int low = 0;
			int high = keyCount - 1;
			while (low < high) {
				int mid = (low + high) >>> 1;
				if (cumulative[mid] < u) {
					low = mid + 1;
				}
				else {
					high = mid;
				}
			}
			samples[i] = keyOfRank[low];
		}
		return samples;
	}

	/** Each thread's position in the sample sequence. */
	@State(Scope.Thread)
	public static class Cursor {

		private static int nextOffset;

		int position;

		@Setup(Level.Trial)
		public void setUp() {
			synchronized (Cursor.class) {
				this.position = nextOffset;
				nextOffset += SAMPLES / 7;
			}
		}

	}

	private static String nextKey(KeyedStoreBenchmark benchmark, Cursor cursor) {
		return benchmark.keys[benchmark.samples[cursor.position++ & (SAMPLES - 1)]];
	}

	/**
	 * The floor this machine sets: the same key sequence looked up in a plain {@link ConcurrentHashMap} (cache misses
	 * of a million keys, no limiter).
	 */
	@Benchmark
	@Threads(1)
	public Object baselineMapLookup1Thread(Cursor cursor) {
		return this.map.get(nextKey(this, cursor));
	}

	@Benchmark
	@Threads(2)
	public Object baselineMapLookup2Threads(Cursor cursor) {
		return this.map.get(nextKey(this, cursor));
	}

	@Benchmark
	@Threads(1)
	public Decision tokenBucketZipf1Thread(Cursor cursor) {
		return this.store.acquire(nextKey(this, cursor), this.spec, 1);
	}

	@Benchmark
	@Threads(2)
	public Decision tokenBucketZipf2Threads(Cursor cursor) {
		return this.store.acquire(nextKey(this, cursor), this.spec, 1);
	}

	@Benchmark
	@Threads(1)
	public Decision rateLimiterZipf1Thread(Cursor cursor) {
		return this.limiter.acquire(nextKey(this, cursor));
	}

	@Benchmark
	@Threads(2)
	public Decision rateLimiterZipf2Threads(Cursor cursor) {
		return this.limiter.acquire(nextKey(this, cursor));
	}

	@Benchmark
	@Threads(1)
	public Decision caffeineStore1Thread(Cursor cursor) {
		return this.caffeineStore.acquire(nextKey(this, cursor), this.spec, 1);
	}

	@Benchmark
	@Threads(2)
	public Decision caffeineStore2Threads(Cursor cursor) {
		return this.caffeineStore.acquire(nextKey(this, cursor), this.spec, 1);
	}

	@Benchmark
	@Threads(1)
	public Decision caffeineSameThread1Thread(Cursor cursor) {
		return this.caffeineSameThreadStore.acquire(nextKey(this, cursor), this.spec, 1);
	}

	@Benchmark
	@Threads(2)
	public Decision caffeineSameThread2Threads(Cursor cursor) {
		return this.caffeineSameThreadStore.acquire(nextKey(this, cursor), this.spec, 1);
	}

}
