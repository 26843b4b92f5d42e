package dev.limiter.core.ratelimit;

import java.math.BigInteger;
import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences against the algorithm core: every refused request's retry time is exactly the first microsecond at
 * which it succeeds, every reset time the first at which the key is full again, and the token bucket matches a
 * rational-arithmetic reference bucket exactly.
 */
class KeyedAlgorithmPropertyTest {

	private static final int SEQUENCES = 2000;

	private static final int STEPS = 60;

	@Test
	void retryAndResetTimesAreExactForEveryAlgorithm() {
		SplittableRandom random = new SplittableRandom(7);
		for (int sequence = 0; sequence < SEQUENCES; sequence++) {
			KeyedAlgorithm algorithm = KeyedAlgorithm.of(randomSpec(random));
			KeyState state = new KeyState();
			long now = random.nextLong(1L << 40);
			for (int step = 0; step < STEPS; step++) {
				now += randomAdvance(random, algorithm) * ((algorithm.spec() instanceof SlidingWindowSpec sliding
						&& sliding.window().toDays() > 0) ? 50_000 : 1);
				long most = Math.max(1, Math.min(fullLimit(algorithm) + 1, Integer.MAX_VALUE - 1));
				int permits = 1 + (int) random.nextLong(random.nextBoolean() ? Math.min(4, most) : most);
				KeyState before = copy(state);
				Decision decision = algorithm.acquire(state, now, permits);
				String context = algorithm + " at " + now + " for " + permits + " on " + before;
				if (!decision.allowed() && !decision.retryAfter().equals(KeyedAlgorithm.FOREVER)) {
					long retry = micros(decision.retryAfter());
					assertThat(retry).as(context).isPositive();
					assertThat(algorithm.acquire(copy(state), now + retry, permits).allowed())
						.as("at retry: " + context)
						.isTrue();
					assertThat(algorithm.acquire(copy(state), now + retry - 1, permits).allowed())
						.as("1 µs before retry: " + context)
						.isFalse();
				}
				if (!decision.resetAfter().equals(KeyedAlgorithm.FOREVER)) {
					long reset = micros(decision.resetAfter());
					long full = fullLimit(algorithm);
					if (full > 0) {
						assertThat(algorithm.acquire(copy(state), now + reset, (int) full).allowed())
							.as("full at reset: " + context)
							.isTrue();
						if (reset > 0) {
							assertThat(algorithm.acquire(copy(state), now + reset - 1, (int) full).allowed())
								.as("not full 1 µs before reset: " + context)
								.isFalse();
						}
					}
				}
			}
		}
	}

	@Test
	void tokenBucketMatchesARationalReferenceBucket() {
		SplittableRandom random = new SplittableRandom(11);
		for (int sequence = 0; sequence < SEQUENCES; sequence++) {
			long limit = 1 + random.nextLong(1000);
			long periodMicros = 1 + random.nextLong(5_000_000);
			long burst = random.nextLong(20);
			TokenBucketAlgorithm algorithm = new TokenBucketAlgorithm(
					new TokenBucketSpec(limit, Duration.ofNanos(periodMicros * 1000), burst));
			KeyState state = new KeyState();
			// reference: tokens as the fraction tokensNumerator / periodMicros, refilled by limit per µs
			BigInteger scale = BigInteger.valueOf(periodMicros);
			BigInteger capacity = BigInteger.valueOf(burst).multiply(scale);
			BigInteger tokens = capacity;
			long last = 0;
			long now = 0;
			for (int step = 0; step < STEPS; step++) {
				now += random.nextLong(2 * periodMicros / Math.max(1, limit) + 2);
				int permits = 1 + random.nextInt(3);
				tokens = capacity.min(tokens.add(BigInteger.valueOf(limit).multiply(BigInteger.valueOf(now - last))));
				last = now;
				BigInteger need = BigInteger.valueOf(permits).multiply(scale);
				boolean allowed = permits <= burst && tokens.compareTo(need) >= 0;
				if (allowed) {
					tokens = tokens.subtract(need);
				}
				Decision decision = algorithm.acquire(state, now, permits);
				assertThat(decision.allowed()).isEqualTo(allowed);
				assertThat(decision.remaining()).isEqualTo(tokens.divide(scale).longValueExact());
			}
		}
	}

	private static LimitSpec randomSpec(SplittableRandom random) {
		long limit = random.nextLong(12);
		Duration period = Duration.ofNanos(1000 * (1 + random.nextLong(3_000_000)));
		return switch (random.nextInt(5)) {
			// large limits over long windows: weights in ticks of 10 µs or more
			case 4 -> new SlidingWindowSpec(1_000_000 + random.nextLong(9_000_000),
					Duration.ofMillis(86_400_000 + random.nextLong(1000)));
			case 0 -> new TokenBucketSpec(limit, period, random.nextLong(12));
			case 1 -> new FixedWindowSpec(limit, period, false);
			case 2 -> new FixedWindowSpec(limit, Duration.ofMillis(1 + random.nextLong(5000)), true);
			default -> new SlidingWindowSpec(limit, period);
		};
	}

	private static long randomAdvance(SplittableRandom random, KeyedAlgorithm algorithm) {
		int choice = random.nextInt(10);
		if (choice == 0) {
			return -random.nextLong(1_000_000);
		}
		if (choice < 4) {
			return 0;
		}
		return random.nextLong(1_500_000);
	}

	private static long fullLimit(KeyedAlgorithm algorithm) {
		if (algorithm instanceof TokenBucketAlgorithm bucket) {
			return Math.min(bucket.burst, Integer.MAX_VALUE);
		}
		return Math.min(algorithm.spec().limit(), Integer.MAX_VALUE);
	}

	private static KeyState copy(KeyState state) {
		KeyState copy = new KeyState(state.algorithm);
		copy.referenceMicros = state.referenceMicros;
		copy.count = state.count;
		copy.previousCount = state.previousCount;
		return copy;
	}

	private static long micros(Duration duration) {
		return duration.toNanos() / 1000;
	}

}
