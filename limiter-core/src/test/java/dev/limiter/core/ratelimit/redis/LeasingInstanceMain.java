package dev.limiter.core.ratelimit.redis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.redis.testing.RedisConnectionFactories;

/**
 * One application instance in a JVM of its own, for {@link RedisLeaseAcrossProcessesTest}: a store on its own
 * connection and a limiter leasing up to 50 permits, driven by 16 threads through {@link LeaseWorkload}.
 * <p>
 * Arguments: {@code standalone|cluster}, the servers' {@code host:port} addresses separated by commas, the
 * algorithm ({@code token-bucket|fixed-window|sliding-window}), the limit, the limiter's name. It connects, prints
 * {@code READY}, waits for a line on its input, runs, and prints {@code RESULT <admitted> <decisions> <fallbacks>
 * <errors>}; any other line it prints is a log line.
 */
public final class LeasingInstanceMain {

	static final int LEASE_PERMITS = 50;

	static final int THREADS = 16;

	private LeasingInstanceMain() {
	}

	/**
	 * Runs one instance.
	 * @param args see the class description
	 * @throws Exception on any failure (the exit status is then non-zero)
	 */
	public static void main(String[] args) throws Exception {
		List<String> addresses = Arrays.asList(args[1].split(","));
		LettuceConnectionFactory factory = "cluster".equals(args[0])
				? RedisConnectionFactories.clusterSeededWith(addresses) : standalone(addresses.get(0));
		LimitSpec spec = spec(args[2], Long.parseLong(args[3]));
		AtomicLong fallbacks = new AtomicLong();
		RedisRateLimitStore store = RedisRateLimitStore.builder(factory)
			.timeout(Duration.ofSeconds(2))
			.listener(new RedisRateLimitStore.Listener() {
				@Override
				public void onDecision(DecisionSource source, long latencyNanos) {
					if (source == DecisionSource.FALLBACK) {
						fallbacks.incrementAndGet();
					}
				}
			})
			.build();
		try {
			// connect (and learn the cluster's topology) before the run: a busy machine may take more than a timeout
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			do {
				fallbacks.set(0);
				store.acquire(args[4] + "-warm-up", spec, 1);
			}
			while (fallbacks.get() > 0 && System.nanoTime() < deadline);
			fallbacks.set(0);
			System.out.println("READY");
			new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
			LeaseWorkload.Result result = LeaseWorkload.run(List.of(new RateLimiter(args[4], spec, store,
					LEASE_PERMITS)), THREADS, "hot");
			result.errors().forEach((error) -> error.printStackTrace());
			System.out.println("RESULT " + result.admitted() + " " + result.decisions() + " " + fallbacks.get() + " "
					+ result.errors().size());
		}
		finally {
			store.close();
			factory.destroy();
		}
		System.exit(0);
	}

	private static LettuceConnectionFactory standalone(String address) {
		int colon = address.lastIndexOf(':');
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(address.substring(0, colon),
						Integer.parseInt(address.substring(colon + 1))));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	static LimitSpec spec(String algorithm, long limit) {
		// nothing refills or rolls over during the run: the limit is the number of permits the key gives at all
		return switch (algorithm) {
			case "token-bucket" -> new TokenBucketSpec(1, Duration.ofHours(1), limit);
			case "fixed-window" -> new FixedWindowSpec(limit, Duration.ofHours(1), false);
			case "sliding-window" -> new SlidingWindowSpec(limit, Duration.ofHours(1));
			default -> throw new IllegalArgumentException("unknown algorithm " + algorithm);
		};
	}

}
