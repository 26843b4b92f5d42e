package dev.limiter.benchmarks;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
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

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.TokenBucketSpec;

/**
 * Measures one keyed token-bucket decision of the {@link InMemoryRateLimitStore} over a million keys, chosen with a
 * Zipf distribution (exponent 0.99, as YCSB): a few hot keys and a long tail, as client addresses or API keys are.
 * The store is bounded above the key count and filled in setup, so this is the steady state of known keys: the
 * cache lookup, the key's monitor, the bucket arithmetic and the returned {@code Decision}. Keys and the Zipf sample
 * sequence are generated beforehand; each thread walks the sample sequence from its own offset.
 *
 * <p>Run: {@code java -jar limiter-benchmarks/target/benchmarks.jar KeyedStoreBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * -prof gc}. Target: at most 150 ns/op.
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
		this.store = InMemoryRateLimitStore.builder().maximumKeys(this.keyCount + this.keyCount / 4).build();
		this.map = new ConcurrentHashMap<>();
		for (String key : this.keys) {
			this.store.acquire(key, this.spec, 1);
			this.map.put(key, new long[2]);
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

	private Decision acquire(Cursor cursor) {
		int index = this.samples[cursor.position++ & (SAMPLES - 1)];
		return this.store.acquire(this.keys[index], this.spec, 1);
	}

	/**
	 * The floor this machine sets: the same key sequence looked up in a plain {@link ConcurrentHashMap} (cache misses
	 * of a million keys, no limiter).
	 */
	@Benchmark
	@Threads(1)
	public Object baselineMapLookup1Thread(Cursor cursor) {
		int index = this.samples[cursor.position++ & (SAMPLES - 1)];
		return this.map.get(this.keys[index]);
	}

	@Benchmark
	@Threads(1)
	public Decision tokenBucketZipf1Thread(Cursor cursor) {
		return acquire(cursor);
	}

	@Benchmark
	@Threads(2)
	public Decision tokenBucketZipf2Threads(Cursor cursor) {
		return acquire(cursor);
	}

}
