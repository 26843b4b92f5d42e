package dev.limiter.core.bucket;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LeakyBucket} under contention on the system clock: four threads take for 300 ms at 20,000 per second.
 *
 * <p>Every take moves the schedule on by at least {@code perRequest} (slots are strictly increasing and spaced), and
 * no take returns before its slot. So if no slot was lost or handed out twice, the last slot lies at least
 * {@code (takes - 1) * perRequest} after the first one, and no later than the latest time a take returned: at most
 * one take per {@code perRequest} since the first, whatever the slack. {@code perRequest} is exactly 50 µs here; in
 * general it is {@code per / rate} truncated, so the admitted rate may exceed {@code rate} by that rounding.
 */
class LeakyBucketConcurrencyTest {

	private static final Logger logger = LoggerFactory.getLogger(LeakyBucketConcurrencyTest.class);

	private static final int THREADS = 4;

	private static final int RATE = 20_000;

	@ParameterizedTest(name = "slack {0}")
	@ValueSource(ints = { 0, 10 })
	void concurrentTakesGetOneSlotEachAtMostOnePerRequest(int slack) throws InterruptedException {
		LeakyBucket limiter = LeakyBucket.builder(RATE).slack(slack).build();
		long perRequest = limiter.perRequest().toNanos();
		assertThat(perRequest).isEqualTo(50_000);
		long first = limiter.take();
		long[] takes = new long[THREADS];
		long[] latestReturn = new long[THREADS];
		long[] early = new long[THREADS];
		ContendingThreads.run(THREADS, Duration.ofMillis(300), (thread) -> {
			long admittedAt = limiter.take();
			if (admittedAt - System.nanoTime() > 0) {
				early[thread]++;
			}
			takes[thread]++;
			latestReturn[thread] = (takes[thread] == 1) ? admittedAt : Math.max(latestReturn[thread], admittedAt);
		});
		long admitted = 1;
		long lastReturn = first;
		for (int i = 0; i < THREADS; i++) {
			admitted += takes[i];
			lastReturn = Math.max(lastReturn, latestReturn[i]);
			assertThat(early[i]).as("takes that returned before their time").isZero();
		}
		long lastSlot = limiter.lastSlotNanos();
		logger.info("slack {}: {} takes in {} µs, schedule advanced {} µs, at most {} allowed", slack, admitted,
				(lastReturn - first) / 1000, (lastSlot - first) / 1000, (lastReturn - first) / perRequest + 1);
		assertThat(lastSlot - first).as("schedule advance for %d takes", admitted)
			.isGreaterThanOrEqualTo((admitted - 1) * perRequest);
		assertThat(lastSlot).isLessThanOrEqualTo(lastReturn);
		assertThat(admitted).isLessThanOrEqualTo((lastReturn - first) / perRequest + 1).isGreaterThan(THREADS);
	}

}
