package dev.limiter.core.bucket;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.limiter.core.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link QuantumBucket} under contention on the system clock: four threads take for 300 ms from a bucket refilled
 * with 7 tokens per millisecond.
 *
 * <p>The bucket is drained first and its capacity (2^40) is out of reach for the rest of the test, so no refill is
 * lost to the cap: between two readings, {@code taken + available1 - available0 = quantum * (tick1 - tick0)}
 * exactly if no token was lost or handed out twice. The ticks of the readings are known only to within the clock
 * readings taken around them, which bounds {@code tick1 - tick0}; the sum must also be a whole number of quanta.
 * Takes never exceed what the ticks brought: {@code taken <= available0 + quantum * (tick1 - tick0)}, since
 * {@code available1 >= 0} once every waiter has returned.
 */
class QuantumBucketConcurrencyTest {

	private static final Logger logger = LoggerFactory.getLogger(QuantumBucketConcurrencyTest.class);

	private static final int THREADS = 4;

	private static final long QUANTUM = 7;

	private static final long FILL_INTERVAL = 1_000_000;

	enum Taking {

		TAKE_AVAILABLE, AWAIT

	}

	@ParameterizedTest
	@EnumSource(Taking.class)
	void tokensAreNeitherLostNorDoubledUnderContention(Taking taking) throws InterruptedException {
		long capacity = 1L << 40;
		QuantumBucket bucket = QuantumBucket.of(Duration.ofNanos(FILL_INTERVAL), capacity, QUANTUM, Clock.system());
		assertThat(bucket.takeAvailable(Long.MAX_VALUE)).isEqualTo(capacity);
		long before0 = System.nanoTime();
		long available0 = bucket.available();
		long after0 = System.nanoTime();
		long[] taken = new long[THREADS];
		ContendingThreads.run(THREADS, Duration.ofMillis(300), (thread) -> {
			long count = 1 + (taken[thread] % 3);
			if (taking == Taking.AWAIT) {
				bucket.await(count);
				taken[thread] += count;
			}
			else {
				taken[thread] += bucket.takeAvailable(count);
			}
		});
		long before1 = System.nanoTime();
		long available1 = bucket.available();
		long after1 = System.nanoTime();
		long totalTaken = 0;
		for (long count : taken) {
			totalTaken += count;
		}
		long minTicks = tick(bucket, before1) - tick(bucket, after0);
		long maxTicks = tick(bucket, after1) - tick(bucket, before0);
		long refilled = totalTaken + available1 - available0;
		logger.info("{}: {} tokens taken, {} refilled in {} to {} ticks, {} left", taking, totalTaken, refilled,
				minTicks, maxTicks, available1);
		assertThat(refilled % QUANTUM).as("refill of %d tokens in whole quanta", refilled).isZero();
		assertThat(refilled / QUANTUM).isBetween(minTicks, maxTicks);
		assertThat(available1).isNotNegative();
		assertThat(totalTaken).isPositive().isLessThanOrEqualTo(available0 + QUANTUM * maxTicks);
	}

	private static long tick(QuantumBucket bucket, long nanoTime) {
		return (nanoTime - bucket.startNanos()) / FILL_INTERVAL;
	}

}
