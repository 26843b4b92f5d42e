package dev.limiter.benchmarks.redis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ratelimit.AlgorithmParameters;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.redis.testing.RedisServerProcess;

/**
 * Decisions per second of a token bucket in Redis, on one private redis-server started for the run, at 1, 8 and 64
 * concurrent callers (threads making one blocking decision after another over 10,000 random keys, or
 * {@code -Dkeys=n}):
 * <ul>
 * <li>limiter's {@link RedisRateLimitStore} (one {@code EVALSHA} per decision) over Spring Data Redis / Lettuce;
 * with {@code -Dasync=n} its asynchronous decisions ({@code acquireAsync}), each caller keeping {@code n} in flight
 * (a reactive server's event loop has many requests waiting for Redis at once), for the exact and leased rows;</li>
 * <li>the same store leasing ({@code RateLimiter} with {@code leasePermits} 100, or {@code -Dlease=n}): its decisions
 * per second and its Redis calls per decision ({@code EVALSHA} calls from {@code INFO commandstats} over every
 * decision of the run, warm-up included);</li>
 * <li>Bucket4j's Lettuce proxy manager ({@code Bucket4jLettuce.casBasedBuilder}: a {@code GET}, then a compare-and-set
 * script, so two round trips) over one Lettuce connection, as shipped and with each of its own optimisations: the
 * peer at its best ({@code Optimizations.batching()}: concurrent requests for one bucket share a round trip;
 * {@code Optimizations.delaying(...)} with as many unsynchronised tokens as our lease, {@value #LEASE} by default,
 * for at most 100 ms: decisions made locally and written back later, which lets instances together admit more than
 * the limit); their Redis calls per decision are the commands Lettuce sent (a {@code CommandListener}) over every
 * decision of the run;</li>
 * <li>the ceiling: {@code redis-benchmark} sending {@code EVALSHA} of the same token-bucket script with the same
 * arguments at the same number of connections (a C client: no JVM in the way), prelude included.</li>
 * </ul>
 * Every bucket is large enough to admit every request, so each decision is a full read-modify-write in Redis (no
 * refusal cache); the store's fallbacks are counted and must be zero, and the redis-benchmark run must end with no
 * failed EVALSHA (a wrong SHA makes redis-benchmark count NOSCRIPT errors as requests).
 *
 * <p>Run: {@code ./mvnw -q -B -ntp -pl limiter-benchmarks -am package -DskipTests && java -cp
 * limiter-benchmarks/target/benchmarks.jar dev.limiter.benchmarks.redis.RedisThroughputBenchmark [seconds]
 * [repetitions] [concurrency...]} (defaults: 5 s, the median of 3 runs, 1 8 64). Needs {@code redis-server} (or the
 * embedded one, see {@code RedisServerProcess}) and, for the ceiling, {@code redis-benchmark} on the PATH.
 */
public final class RedisThroughputBenchmark {

	/** The number of distinct keys, 10,000 unless {@code -Dkeys=n} says otherwise (1 = one hot key). */
	private static final int KEYS = Integer.getInteger("keys", 10_000);

	/** The lease permits of the leased measurement, 100 unless {@code -Dlease=n} says otherwise. */
	private static final int LEASE = Integer.getInteger("lease", 100);

	/** Asynchronous decisions each caller of limiter's store keeps in flight; 0 (the default) decides blocking. */
	private static final int ASYNC = Integer.getInteger("async", 0);

	/** Commands the last Bucket4j measurement sent to Redis, warm-up included. */
	private static final AtomicLong lastBucket4jCommands = new AtomicLong();

	/** Decisions of the last {@link #run}, warm-up included. */
	private static final AtomicLong lastTotal = new AtomicLong();

	private static final long LIMIT = 1_000_000_000L;

	private static final TokenBucketSpec SPEC = new TokenBucketSpec(LIMIT, Duration.ofSeconds(1), LIMIT);

	private static final PrintStream out = System.out;

	/** Bucket4j's own optimisations, by the name its table gives them. */
	private static final Map<String, Optimization> OPTIMISATIONS = new LinkedHashMap<>();

	static {
		OPTIMISATIONS.put("batching()", Optimizations.batching());
		OPTIMISATIONS.put("delaying(" + LEASE + ", 100 ms)",
				Optimizations.delaying(new DelayParameters(LEASE, Duration.ofMillis(100))));
	}

	private RedisThroughputBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
		int repetitions = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		List<Integer> concurrencies = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			concurrencies.add(Integer.parseInt(args[i]));
		}
		if (concurrencies.isEmpty()) {
			concurrencies = List.of(1, 8, 64);
		}
		try (RedisServerProcess server = RedisServerProcess.start()) {
			String version = server.command("INFO", "server").toString().lines()
				.filter((line) -> line.startsWith("redis_version"))
				.findFirst()
				.orElse("?");
			out.printf("redis-server %s on %s, %d s per run after %d s of warm-up, median of %d runs, %d keys, "
					+ "%d CPUs, limiter %s%n", version, server.address(), seconds, Math.max(1, seconds / 2),
					repetitions, KEYS, Runtime.getRuntime().availableProcessors(),
					(ASYNC > 0) ? "asynchronous, " + ASYNC + " decisions in flight a caller" : "blocking");
			List<String[]> rows = new ArrayList<>();
			List<String[]> peerRows = new ArrayList<>();
			for (int concurrency : concurrencies) {
				double[] oursRuns = new double[repetitions];
				double[] leasedRuns = new double[repetitions];
				double[] callsRuns = new double[repetitions];
				double[] bucket4jRuns = new double[repetitions];
				double[][] optimisedRuns = new double[OPTIMISATIONS.size()][repetitions];
				double[][] optimisedCallsRuns = new double[OPTIMISATIONS.size()][repetitions];
				double[] bucket4jCallsRuns = new double[repetitions];
				double[] ceilingRuns = new double[repetitions];
				for (int r = 0; r < repetitions; r++) {
					oursRuns[r] = measureOurs(server, concurrency, seconds, 0);
					long evalshaBefore = server.commandCalls("evalsha");
					leasedRuns[r] = measureOurs(server, concurrency, seconds, LEASE);
					callsRuns[r] = (server.commandCalls("evalsha") - evalshaBefore) / (double) lastTotal.get();
					bucket4jRuns[r] = measureBucket4j(server, concurrency, seconds, null);
					bucket4jCallsRuns[r] = lastBucket4jCommands.get() / (double) lastTotal.get();
					int o = 0;
					for (Optimization optimization : OPTIMISATIONS.values()) {
						optimisedRuns[o][r] = measureBucket4j(server, concurrency, seconds, optimization);
						optimisedCallsRuns[o][r] = lastBucket4jCommands.get() / (double) lastTotal.get();
						o++;
					}
					ceilingRuns[r] = measureRedisBenchmark(server, concurrency, seconds);
					out.printf("%d callers, run %d: limiter %s, leased %s (%.4f Redis calls a decision), Bucket4j %s, "
							+ "redis-benchmark %s%n", concurrency, r + 1, format(oursRuns[r]), format(leasedRuns[r]),
							callsRuns[r], format(bucket4jRuns[r]), format(ceilingRuns[r]));
				}
				double ours = median(oursRuns);
				double leased = median(leasedRuns);
				double calls = median(callsRuns);
				double bucket4j = median(bucket4jRuns);
				double ceiling = median(ceilingRuns);
				rows.add(new String[] { Integer.toString(concurrency), format(ours), format(leased),
						String.format(Locale.ROOT, "%.1f×", leased / ours), String.format(Locale.ROOT, "%.4f", calls),
						format(bucket4j),
						String.format(Locale.ROOT, "%.2f×", ours / bucket4j),
						Double.isNaN(ceiling) ? "n/a" : format(ceiling),
						Double.isNaN(ceiling) ? "n/a" : String.format(Locale.ROOT, "%.0f %%", 100 * ours / ceiling) });
				List<String> peers = new ArrayList<>(List.of(Integer.toString(concurrency), format(ours),
						format(leased), String.format(Locale.ROOT, "%.4f", calls), format(bucket4j),
						String.format(Locale.ROOT, "%.2f", median(bucket4jCallsRuns))));
				for (int o = 0; o < OPTIMISATIONS.size(); o++) {
					peers.add(format(median(optimisedRuns[o])));
					peers.add(String.format(Locale.ROOT, "%.4f", median(optimisedCallsRuns[o])));
				}
				// batching() is exact, as ours; delaying() decides locally, as leases do (and may admit too many)
				peers.add(String.format(Locale.ROOT, "%.2f×", ours / Math.max(bucket4j, median(optimisedRuns[0]))));
				peers.add(String.format(Locale.ROOT, "%.2f×", leased / median(optimisedRuns[1])));
				peerRows.add(peers.toArray(String[]::new));
			}
			out.println();
			out.println("| callers | limiter exact (decisions/s) | limiter leased, " + LEASE + " (decisions/s) "
					+ "| leased / exact | leased: Redis calls a decision | Bucket4j lettuce CAS (decisions/s) "
					+ "| exact / Bucket4j | redis-benchmark EVALSHA (req/s) | exact / ceiling |");
			out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
			for (String[] row : rows) {
				out.println("| " + String.join(" | ", row) + " |");
			}
			out.println();
			StringBuilder header = new StringBuilder("| callers | limiter exact | limiter leased, " + LEASE
					+ " | leased: Redis calls a decision | Bucket4j | Bucket4j: Redis calls a decision");
			OPTIMISATIONS.keySet().forEach((name) -> header.append(" | Bucket4j ")
				.append(name)
				.append(" | Bucket4j ")
				.append(name)
				.append(": Redis calls a decision"));
			out.println(header.append(" | exact / best of Bucket4j and its batching() | leased / Bucket4j delaying |"));
			out.println("|---:".repeat(8 + 2 * OPTIMISATIONS.size()) + "|");
			for (String[] row : peerRows) {
				out.println("| " + String.join(" | ", row) + " |");
			}
		}
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted[sorted.length / 2];
	}

	private static String format(double rate) {
		return String.format(Locale.ROOT, "%,.0f", rate);
	}

	private static double measureOurs(RedisServerProcess server, int concurrency, int seconds, int leasePermits)
			throws Exception {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(server.host(), server.port()));
		factory.afterPropertiesSet();
		factory.start();
		AtomicLong fallbacks = new AtomicLong();
		AtomicLong fromRedis = new AtomicLong();
		RedisRateLimitStore store = RedisRateLimitStore.builder(factory)
			.timeout(Duration.ofSeconds(1))
			.listener(new RedisRateLimitStore.Listener() {
				@Override
				public void onDecision(DecisionSource source, long latencyNanos) {
					if (source == DecisionSource.REDIS) {
						fromRedis.incrementAndGet();
					}
					else if (source != DecisionSource.LEASE) {
						fallbacks.incrementAndGet();
					}
				}
			})
			.build();
		// connected before the clock starts: a cold Lettuce start can take longer than a decision's timeout
		long connectDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (fromRedis.get() == 0 && System.nanoTime() < connectDeadline) {
			store.acquire("warm-up", SPEC, 1);
		}
		fallbacks.set(0);
		String[] keys = keys("limiter-");
		RateLimiter limiter = new RateLimiter("leased", SPEC, store, leasePermits);
		try {
			IntPredicate decision;
			if (ASYNC > 0) {
				decision = inFlight((leasePermits == 0) ? (i) -> store.acquireAsync(keys[i], SPEC, 1)
						: (i) -> limiter.acquireAsync(keys[i]));
			}
			else {
				decision = (leasePermits == 0) ? (i) -> store.acquire(keys[i], SPEC, 1).allowed()
						: (i) -> limiter.acquire(keys[i]).allowed();
			}
			double rate = run(concurrency, seconds, decision);
			if (fallbacks.get() > 0) {
				throw new IllegalStateException(fallbacks.get() + " decisions did not come from Redis");
			}
			return rate;
		}
		finally {
			store.close();
			factory.destroy();
		}
	}

	/**
	 * Keeps {@code -Dasync} asynchronous decisions in flight per calling thread: each call starts one and returns the
	 * outcome of the oldest (true while the window fills).
	 */
	private static IntPredicate inFlight(IntFunction<CompletionStage<Decision>> start) {
		ThreadLocal<InFlight> windows = ThreadLocal.withInitial(InFlight::new);
		return (i) -> windows.get().next(start.apply(i).toCompletableFuture());
	}

	/** One caller's decisions in flight, oldest first from {@code next}. */
	private static final class InFlight {

		@SuppressWarnings("unchecked")
		private final CompletableFuture<Decision>[] slots = new CompletableFuture[ASYNC];

		private int next;

		boolean next(CompletableFuture<Decision> started) {
			CompletableFuture<Decision> oldest = this.slots[this.next];
			this.slots[this.next] = started;
			this.next = (this.next + 1) % this.slots.length;
			return oldest == null || oldest.join().allowed();
		}

	}

	private static double measureBucket4j(RedisServerProcess server, int concurrency, int seconds,
			@Nullable Optimization optimization) throws Exception {
		RedisClient client = RedisClient.create(server.uri());
		AtomicLong commands = new AtomicLong();
		client.addListener(new CommandListener() {
			@Override
			public void commandStarted(CommandStartedEvent event) {
				commands.incrementAndGet();
			}
		});
		try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
			LettuceBasedProxyManager<byte[]> proxyManager = Bucket4jLettuce.casBasedBuilder(connection)
				.expirationAfterWrite(
						ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
				.build();
			BucketConfiguration configuration = BucketConfiguration.builder()
				.addLimit((limit) -> limit.capacity(LIMIT).refillGreedy(LIMIT, Duration.ofSeconds(1)))
				.build();
			String[] keys = keys("bucket4j-");
			BucketProxy[] buckets = new BucketProxy[KEYS];
			for (int i = 0; i < KEYS; i++) {
				byte[] key = keys[i].getBytes(StandardCharsets.UTF_8);
				RemoteBucketBuilder<byte[]> builder = proxyManager.builder();
				if (optimization != null) {
					builder = builder.withOptimization(optimization);
				}
				buckets[i] = builder.build(key, () -> configuration);
			}
			commands.set(0);
			double rate = run(concurrency, seconds, (i) -> buckets[i].tryConsume(1));
			lastBucket4jCommands.set(commands.get());
			return rate;
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * Runs redis-benchmark with EVALSHA of the store's token-bucket script (loaded byte for byte, so the SHA matches)
	 * and the arguments the store sends, then checks that no call failed.
	 */
	private static double measureRedisBenchmark(RedisServerProcess server, int concurrency, int seconds)
			throws Exception {
		// the store's script as it assembles it: the shared prelude, then the token bucket's own file
		ByteArrayOutputStream assembled = new ByteArrayOutputStream();
		for (String part : List.of("prelude.lua", "token-bucket.lua")) {
			try (InputStream in = RedisThroughputBenchmark.class
				.getResourceAsStream("/dev/limiter/core/ratelimit/redis/" + part)) {
				assembled.writeBytes(in.readAllBytes());
			}
		}
		byte[] script = assembled.toByteArray();
		String sha = (String) server.command("SCRIPT", "LOAD", script);
		if (!sha.equals(sha1(script))) {
			throw new IllegalStateException("SCRIPT LOAD returned " + sha + ", expected " + sha1(script));
		}
		long[] p = AlgorithmParameters.of(SPEC).tokenBucket();
		String id = "tb/" + SPEC.limit() + "/" + SPEC.period().toNanos() / 1000 + "/" + SPEC.burst();
		long requests = (long) Math.max(20_000, estimateRequests(concurrency) * seconds);
		List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", server.host(), "-p",
				Integer.toString(server.port()), "-c", Integer.toString(concurrency), "-n", Long.toString(requests)));
		if (KEYS > 1) {
			command.addAll(List.of("-r", Integer.toString(KEYS)));
		}
		command.addAll(List.of("-P", "1", "-q", "evalsha", sha, "1",
				(KEYS > 1) ? "redis-benchmark-{__rand_int__}" : "redis-benchmark-{hot}", "", "1", id,
				Long.toString(p[0]), Long.toString(p[1]), Long.toString(p[2]), Long.toString(p[3]),
				Long.toString(RedisRateLimitStore.DEFAULT_MAXIMUM_KEY_TTL.toMillis())));
		server.command("CONFIG", "RESETSTAT");
		Process process;
		try {
			process = new ProcessBuilder(command).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			out.println("redis-benchmark not found on the PATH: no ceiling measured");
			return Double.NaN;
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		process.waitFor();
		String stats = (String) server.command("INFO", "commandstats");
		Matcher evalsha = Pattern.compile("cmdstat_evalsha:calls=(\\d+),.*failed_calls=(\\d+)").matcher(stats);
		if (!evalsha.find() || Long.parseLong(evalsha.group(2)) != 0 || Long.parseLong(evalsha.group(1)) < requests) {
			throw new IllegalStateException("redis-benchmark EVALSHA failed or did not run: " + output + "\n" + stats);
		}
		Matcher rps = Pattern.compile("([0-9.]+) requests per second").matcher(output);
		String last = null;
		while (rps.find()) {
			last = rps.group(1);
		}
		if (last == null) {
			throw new IllegalStateException("unexpected redis-benchmark output: " + output);
		}
		return Double.parseDouble(last);
	}

	private static double estimateRequests(int concurrency) {
		return (concurrency == 1) ? 10_000 : 50_000;
	}

	private static String sha1(byte[] bytes) throws NoSuchAlgorithmException {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
	}

	private static String[] keys(String prefix) {
		String[] keys = new String[KEYS];
		for (int i = 0; i < KEYS; i++) {
			keys[i] = prefix + i;
		}
		return keys;
	}

	/**
	 * Runs {@code concurrency} threads deciding on random keys: a warm-up, then {@code seconds} measured.
	 * @return decisions per second over the measured part
	 */
	private static double run(int concurrency, int seconds, IntPredicate decision) throws InterruptedException {
		long warmUpNanos = Duration.ofSeconds(Math.max(1, seconds / 2)).toNanos();
		AtomicLong total = new AtomicLong();
		long start = System.nanoTime();
		long measureFrom = start + warmUpNanos;
		long measureUntil = measureFrom + Duration.ofSeconds(seconds).toNanos();
		AtomicLong measured = new AtomicLong();
		AtomicLong refused = new AtomicLong();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < concurrency; t++) {
			Thread thread = new Thread(() -> {
				long count = 0;
				long all = 0;
				long now;
				while ((now = System.nanoTime()) < measureUntil) {
					if (!decision.test(ThreadLocalRandom.current().nextInt(KEYS))) {
						refused.incrementAndGet();
					}
					all++;
					if (now >= measureFrom) {
						count++;
					}
				}
				measured.addAndGet(count);
				total.addAndGet(all);
			});
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		if (refused.get() > 0) {
			throw new IllegalStateException(refused.get() + " decisions were refused; every one should be admitted");
		}
		lastTotal.set(total.get());
		return measured.get() / (double) seconds;
	}

}
