package dev.limiter.core.shedding;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AdaptiveShedderTest {

	/** 10 buckets of 100 ms: windowScale is 0.01, go-zero's test windowFactor. */
	private static final Duration BUCKET = Duration.ofMillis(100);

	private final ManualClock clock = new ManualClock();

	private volatile double cpu;

	private AdaptiveShedder.Builder builder() {
		return AdaptiveShedder.builder()
			.name("test")
			.window(BUCKET.multipliedBy(10))
			.buckets(10)
			.cpuUsage(() -> this.cpu)
			.clock(this.clock);
	}

	/**
	 * go-zero adaptiveshedder_test.go's window, made of real calls: in bucket i + 1 (i from 0 to 9), (i + 1) × 100
	 * passed calls, half taking 10i + 5 ms and half 10i + 6 ms (a mean of 10i + 5.5 ms). Ends at the start of bucket
	 * 10, which holds the last 1000 passes; the shedder must have been built at the current time.
	 */
	private void fill(AdaptiveShedder shedder) {
		long start = this.clock.nanoTime();
		for (int i = 0; i < 10; i++) {
			passes(shedder, start + BUCKET.toNanos() * (i + 1), (i + 1) * 100, i * 10 + 5, i * 10 + 6);
		}
	}

	/**
	 * Completes {@code count} passed calls at {@code end} (clock nanos, not before now plus the longer response
	 * time), half taking {@code fasterMillis} and half {@code slowerMillis}, with the CPU cool meanwhile.
	 */
	private void passes(AdaptiveShedder shedder, long end, int count, long fasterMillis, long slowerMillis) {
		double cpu = this.cpu;
		this.cpu = 0;
		List<Long> tokens = new ArrayList<>();
		advanceTo(end - Duration.ofMillis(slowerMillis).toNanos());
		for (int i = 0; i < count / 2; i++) {
			tokens.add(shedder.tryAcquire());
		}
		advanceTo(end - Duration.ofMillis(fasterMillis).toNanos());
		for (int i = count / 2; i < count; i++) {
			tokens.add(shedder.tryAcquire());
		}
		advanceTo(end);
		tokens.forEach((token) -> shedder.release(token, true));
		this.cpu = cpu;
		assertThat(tokens).allMatch((token) -> token >= 0);
	}

	/**
	 * Leaves {@code inFlight} calls in flight and the average in flight just below {@code inFlight}: calls that
	 * fail leave the flight without touching the windows, and the clock does not move. The CPU is cool meanwhile.
	 */
	private void inFlight(AdaptiveShedder shedder, int inFlight) {
		inFlight(shedder, inFlight + 1, inFlight);
	}

	/** As {@link #inFlight(AdaptiveShedder, int)}, with the average first brought to {@code average}. */
	private void inFlight(AdaptiveShedder shedder, int average, int inFlight) {
		double cpu = this.cpu;
		this.cpu = 0;
		Deque<Long> tokens = new ArrayDeque<>();
		while (shedder.inFlight() < average + 1) {
			tokens.add(shedder.tryAcquire());
		}
		for (int i = 0; i < 300; i++) {
			shedder.release(tokens.poll(), false);
			tokens.add(shedder.tryAcquire());
		}
		while (shedder.inFlight() > inFlight) {
			shedder.release(tokens.poll(), false);
		}
		this.cpu = cpu;
		assertThat(tokens).allMatch((token) -> token >= 0);
	}

	/** Whether the shedder sheds the next call; a permitted one fails at once, leaving the flight. */
	private static boolean sheds(AdaptiveShedder shedder) {
		long token = shedder.tryAcquire();
		shedder.release(token, false);
		return token < 0;
	}

	private void advanceTo(long nanos) {
		assertThat(nanos).isGreaterThanOrEqualTo(this.clock.nanoTime());
		this.clock.advanceNanos(nanos - this.clock.nanoTime());
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedder (real threads, CPU always over the threshold)
	@Test
	void concurrentCallsKeepTheCountsConsistent() throws InterruptedException {
		AdaptiveShedder shedder = AdaptiveShedder.builder()
			.window(Duration.ofMillis(50))
			.buckets(10)
			.cpuThreshold(0.1)
			.cpuUsage(() -> 0.5)
			.clock(Clock.system())
			.build();
		AtomicLong dropped = new AtomicLong();
		AtomicLong permitted = new AtomicLong();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			threads.add(new Thread(() -> {
				for (int i = 0; i < 3_000; i++) {
					Promise promise;
					try {
						promise = shedder.allow();
					}
					catch (OverloadException ex) {
						dropped.incrementAndGet();
						continue;
					}
					permitted.incrementAndGet();
					if (ThreadLocalRandom.current().nextDouble() < 0.01) {
						promise.reject("failed");
					}
					else {
						promise.accept();
					}
				}
			}));
		}
		threads.forEach(Thread::start);
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(dropped.get() + permitted.get()).isEqualTo(24_000);
		assertThat(shedder.inFlight()).isZero();
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderMaxPass, seen through maxFlight = maxPass × minRt × 0.01
	@Test
	void maxPassIsTheLargestCompletedBucket() {
		AdaptiveShedder shedder = builder().build();
		long start = this.clock.nanoTime();
		for (int i = 1; i <= 10; i++) {
			passes(shedder, start + BUCKET.toNanos() * i, i * 100, 2, 2);
		}
		this.clock.advance(BUCKET);
		assertThat(shedder.maxFlight()).isEqualTo(1000 * 2 * 0.01);

		// default max pass is equal to 1 (and min RT to 1000 ms).
		assertThat(builder().build().maxFlight()).isEqualTo(1 * 1000 * 0.01);
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderMinRt
	@Test
	void minRtIsTheSmallestRoundedBucketMean() {
		AdaptiveShedder shedder = builder().build();
		long start = this.clock.nanoTime();
		passes(shedder, start + BUCKET.toNanos(), 100, 5, 6);
		passes(shedder, start + BUCKET.toNanos() * 2, 100, 20, 20);
		this.clock.advance(BUCKET);
		// the first bucket's mean 5.5 rounds half away from zero: maxPass 100, minRt 6
		assertThat(shedder.maxFlight()).isEqualTo(100 * 6 * 0.01);
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderMaxFlight
	@Test
	void maxFlightIsMaxPassTimesMinRtTimesWindowScale() {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		// maxPass 900 (the bucket of 1000 is the current one), minRt 6, windowScale 0.01
		assertThat(shedder.maxFlight()).isEqualTo(54.0);
	}

	@Test
	void maxFlightChangesExactlyWhenTimeEntersTheNextBucket() {
		AdaptiveShedder shedder = builder().build();
		long start = this.clock.nanoTime();
		fill(shedder);
		assertThat(shedder.maxFlight()).isEqualTo(54.0);
		// 5000 passes of 20 ms more in the current bucket: not shown yet
		passes(shedder, this.clock.nanoTime() + Duration.ofMillis(20).toNanos(), 5_000, 20, 20);
		assertThat(shedder.maxFlight()).isEqualTo(54.0);
		advanceTo(start + BUCKET.toNanos() * 11 - 1);
		assertThat(shedder.maxFlight()).isEqualTo(54.0);
		this.clock.advanceNanos(1);
		// now the bucket of 1000 + 5000 passes is shown; the oldest (100 passes, minRt 6) expired, the next has
		// minRt 16
		assertThat(shedder.maxFlight()).isEqualTo(6000 * 16 * 0.01);
		this.clock.advance(Duration.ofSeconds(-5));
		assertThat(shedder.maxFlight()).as("time went backwards: nothing is shown").isEqualTo(10.0);
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderShouldDrop: maxFlight is 54
	@ParameterizedTest
	@CsvSource({ "0.9, 10, 10, false", // hot, few in flight
			"0.9, 80, 49, false", // hot, the average in flight above maxFlight, in flight below it
			"0.9, 80, 80, true", // hot, both above
			"0.5, 80, 80, false" }) // cool, both above
	void shedsOnlyWhenHotAndBothInFlightCountsExceedMaxFlight(double cpu, int average, int inFlight,
			boolean sheds) {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		inFlight(shedder, average, inFlight);
		assertThat(shedder.inFlight()).isEqualTo(inFlight);
		assertThat(shedder.averageInFlight() > 54).as("average above maxFlight").isEqualTo(average > 54);
		this.cpu = cpu;
		assertThat(sheds(shedder)).isEqualTo(sheds);
	}

	@Test
	void allowThrowsWhenShedding() {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		inFlight(shedder, 80);
		this.cpu = 0.9;
		assertThatExceptionOfType(OverloadException.class).isThrownBy(shedder::allow)
			.withMessage("Load shedder 'test' refused the call: service overloaded")
			.extracting(OverloadException::getName)
			.isEqualTo("test");
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderStillHot
	@Test
	void stillHotOnlyWithinTheCoolOffAfterAnOverloadedReading() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		inFlight(shedder, 80);
		this.cpu = 0.9;
		assertThat(sheds(shedder)).as("overloaded now").isTrue();
		this.cpu = 0.5;
		assertThat(sheds(shedder)).as("overloaded and shed just now").isTrue();
		this.clock.advance(Duration.ofSeconds(2));
		assertThat(sheds(shedder)).as("overloaded 2 s ago").isFalse();
	}

	@Test
	void coolOffRunsFromTheLastOverloadedReadingAndNeedsADrop() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		inFlight(shedder, 80);
		this.cpu = 0.5;
		assertThat(sheds(shedder)).as("cool").isFalse();

		this.cpu = 0.95;
		assertThat(shedder.tryAcquire()).as("hot").isEqualTo(AdaptiveShedder.REJECTED);
		this.cpu = 0.5;
		this.clock.advance(Duration.ofMillis(500));
		assertThat(shedder.tryAcquire()).as("cooling off, 0.5 s").isEqualTo(AdaptiveShedder.REJECTED);
		this.clock.advance(Duration.ofMillis(499));
		assertThat(shedder.tryAcquire()).as("cooling off, 0.999 s").isEqualTo(AdaptiveShedder.REJECTED);
		this.clock.advance(Duration.ofMillis(1));
		assertThat(shedder.tryAcquire()).as("1 s after the last hot reading").isNotNegative();
	}

	@Test
	void anOverloadedReadingWithoutADropDoesNotHeatUp() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		this.cpu = 0.95;
		assertThat(sheds(shedder)).as("hot, but few in flight").isFalse();
		this.cpu = 0.5;
		inFlight(shedder, 80);
		assertThat(sheds(shedder)).isFalse();
	}

	@Test
	void responseTimesAreWholeMillisecondsRoundedUp() {
		AdaptiveShedder shedder = builder().build();
		long[][] calls = new long[4][100];
		for (long[] kind : calls) {
			for (int i = 0; i < kind.length; i++) {
				kind[i] = shedder.tryAcquire();
			}
		}
		this.clock.advanceNanos(1);
		Arrays.stream(calls[0]).forEach((token) -> shedder.release(token, true)); // 1 ns: 1 ms
		this.clock.advance(Duration.ofMillis(2).minusNanos(1));
		Arrays.stream(calls[1]).forEach((token) -> shedder.release(token, true)); // 2 ms
		this.clock.advanceNanos(1);
		Arrays.stream(calls[2]).forEach((token) -> shedder.release(token, true)); // 2 ms + 1 ns: 3 ms
		this.clock.advance(Duration.ofMillis(5));
		Arrays.stream(calls[3]).forEach((token) -> shedder.release(token, false)); // failed: no pass, no time
		this.clock.advance(BUCKET);
		// maxPass 300, minRt (1 + 2 + 3) / 3 = 2 ms
		assertThat(shedder.maxFlight()).isEqualTo(300 * 2 * 0.01);
		assertThat(shedder.inFlight()).isZero();
	}

	@Test
	void averageInFlightIsAnEmaUpdatedOnCompletion() {
		AdaptiveShedder shedder = builder().build();
		long a = shedder.tryAcquire();
		long b = shedder.tryAcquire();
		long c = shedder.tryAcquire();
		assertThat(shedder.inFlight()).isEqualTo(3);
		assertThat(shedder.averageInFlight()).as("not updated on start").isZero();
		shedder.release(a, true);
		double expected = 0.0 * 0.9 + 2 * 0.1;
		assertThat(shedder.averageInFlight()).isEqualTo(expected);
		shedder.release(b, false);
		expected = expected * 0.9 + 1 * 0.1;
		assertThat(shedder.averageInFlight()).isEqualTo(expected);
		shedder.release(c, true);
		expected = expected * 0.9 + 0 * 0.1;
		assertThat(shedder.averageInFlight()).isEqualTo(expected);
	}

	// maxFlight 54 scaled by the overload factor (1000 - cpu) / (1000 - 900), from 1 down to 0.1
	@ParameterizedTest
	@CsvSource({ "0.9, 54", "0.95, 27", "0.99, 5", "0.999, 5", "1.0, 5" })
	void overloadFactorScalesMaxFlightWithTheCpuAboveTheThreshold(double cpu, int mostInFlight) {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		inFlight(shedder, mostInFlight);
		this.cpu = cpu;
		assertThat(sheds(shedder)).as("%d in flight", mostInFlight).isFalse();

		shedder = builder().build();
		fill(shedder);
		inFlight(shedder, mostInFlight + 1);
		this.cpu = cpu;
		assertThat(sheds(shedder)).as("%d in flight", mostInFlight + 1).isTrue();
	}

	@Test
	void thePriorityVariantUsesTheMidpointToFullCpu() {
		AdaptiveShedder priority = builder().priority(true).build();
		assertThat(priority.cpuThreshold()).isEqualTo(0.95);
		fill(priority);
		inFlight(priority, 80);
		this.cpu = 0.949;
		assertThat(sheds(priority)).isFalse();
		this.cpu = 0.95;
		assertThat(sheds(priority)).isTrue();
		// go-zero's (t + 1000) >> 1 on integer millicpu
		assertThat(builder().cpuThreshold(0.901).priority(true).build().cpuThreshold()).isEqualTo(0.95);
		assertThat(builder().cpuThreshold(0).priority(true).build().cpuThreshold()).isEqualTo(0.5);
	}

	@ParameterizedTest
	@CsvSource({ "0.5, 1", "1.5, 2", "2.5, 3", "2.4999999999999996, 2", "0.49999999999999994, 0", "-0.5, -1",
			"-2.5, -3", "7, 7" })
	void roundingIsHalfAwayFromZeroAsGoMathRound(double value, double rounded) {
		assertThat(AdaptiveShedder.roundHalfAwayFromZero(value)).isEqualTo(rounded);
	}

	@Test
	void allowGivesAPromiseThatCompletesOnce() {
		AdaptiveShedder shedder = builder().build();
		Promise promise = shedder.allow();
		shedder.allow();
		assertThat(shedder.inFlight()).isEqualTo(2);
		promise.accept();
		promise.accept();
		promise.reject("again");
		assertThat(shedder.inFlight()).isEqualTo(1);
		shedder.release(AdaptiveShedder.REJECTED, true);
		assertThat(shedder.inFlight()).isEqualTo(1);
	}

	@Test
	void anIgnoredCallLeavesTheFlightWithoutAPassOrAResponseTime() {
		AdaptiveShedder shedder = builder().build();
		Promise ignored = shedder.allow();
		this.clock.advance(Duration.ofMillis(1));
		ignored.ignore();
		ignored.accept();
		assertThat(shedder.inFlight()).isZero();
		this.clock.advance(BUCKET.multipliedBy(2));
		assertThat(shedder.maxFlight()).as("no pass, no response time recorded: 1 × 1000 ms × 0.01").isEqualTo(10.0);
		Promise passed = shedder.allow();
		this.clock.advance(Duration.ofMillis(1));
		passed.accept();
		this.clock.advance(BUCKET.multipliedBy(2));
		assertThat(shedder.maxFlight()).as("an accepted call counts: max(1 × 1 ms × 0.01, 1)").isEqualTo(1.0);
	}

	@Test
	void coolOffRemainingIsTheRestOfTheCoolOffWhileShedding() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		assertThat(shedder.coolOffRemaining()).as("nothing shed").isZero();
		inFlight(shedder, 80);
		this.cpu = 0.95;
		assertThat(shedder.tryAcquire()).isEqualTo(AdaptiveShedder.REJECTED);
		assertThat(shedder.coolOffRemaining()).as("still hot").isEqualTo(Duration.ofSeconds(1));
		this.cpu = 0.5;
		this.clock.advance(Duration.ofMillis(300));
		assertThat(shedder.coolOffRemaining()).isEqualTo(Duration.ofMillis(700));
		this.clock.advance(Duration.ofMillis(700));
		assertThat(shedder.coolOffRemaining()).isZero();
	}

	@Test
	void listenersHearDrops() {
		List<String> drops = new ArrayList<>();
		ShedderListener listener = new ShedderListener() {
			@Override
			public void onDrop(Shedder shedder) {
				drops.add(shedder.name());
			}
		};
		AdaptiveShedder shedder = builder().listener(listener).build();
		fill(shedder);
		inFlight(shedder, 80);
		this.cpu = 0.9;
		assertThat(shedder.tryAcquire()).isEqualTo(AdaptiveShedder.REJECTED);
		assertThat(drops).containsExactly("test");
		shedder.removeListener(listener);
		assertThat(shedder.tryAcquire()).isEqualTo(AdaptiveShedder.REJECTED);
		assertThat(drops).containsExactly("test");
	}

	@Test
	void metricsReadTheCurrentState() {
		AdaptiveShedder shedder = builder().build();
		this.cpu = 0.42;
		assertThat(shedder.cpuUsage()).isEqualTo(0.42);
		assertThat(shedder.cpuThreshold()).isEqualTo(0.9);
		assertThat(shedder.maxFlight()).isEqualTo(10.0); // 1 × 1000 ms × 0.01
		assertThat(shedder.name()).isEqualTo("test");
		assertThat(shedder).hasToString(
				"AdaptiveShedder[name=test, cpuThreshold=0.9, window=PT1S, buckets=10, coolOff=PT1S]");
	}

	@Test
	void defaultsAreGoZeros() {
		assertThat(AdaptiveShedder.builder().cpuUsage(() -> 0).build()).hasToString(
				"AdaptiveShedder[name=adaptive, cpuThreshold=0.9, window=PT5S, buckets=50, coolOff=PT1S]");
	}

	@Test
	void invalidValuesAreRejectedWithTheRule() {
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().cpuThreshold(1))
			.withMessage("cpuThreshold must be in [0, 0.999] (was 1.0)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().cpuThreshold(0.9996))
			.withMessage("cpuThreshold must be in [0, 0.999] (was 0.9996)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().cpuThreshold(-0.1))
			.withMessage("cpuThreshold must be in [0, 0.999] (was -0.1)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().cpuThreshold(Double.NaN))
			.withMessage("cpuThreshold must be in [0, 0.999] (was NaN)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().window(Duration.ZERO))
			.withMessage("window must be > 0 (was PT0S)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().buckets(0))
			.withMessage("buckets must be > 0 (was 0)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().coolOff(Duration.ofMillis(-1)))
			.withMessage("coolOff must be >= 0 (was PT-0.001S)");
		assertThatIllegalArgumentException().isThrownBy(() -> AdaptiveShedder.builder().name(""))
			.withMessage("name must not be empty");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AdaptiveShedder.builder().window(Duration.ofNanos(5)).buckets(10).build())
			.withMessage("window must be at least 1ns per bucket (was PT0.000000005S for 10 buckets)");
	}

	@Test
	void tryAcquireAndReleaseAllocateNothing() {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		AdaptiveShedder shedder = builder().build();
		Runnable calls = () -> {
			for (int i = 0; i < 100_000; i++) {
				this.clock.advanceNanos(100_000);
				// alternate a cool and a hot CPU: the hot one reads both windows
				this.cpu = ((i & 1) == 0) ? 0.2 : 0.95;
				long token = shedder.tryAcquire();
				shedder.release(token, (i & 7) != 0);
			}
		};
		calls.run();
		long threadId = Thread.currentThread().getId();
		// the least of three rounds: a one-off allocation (a JIT deoptimisation while other tests load the
		// machine) is not a per-call one
		long allocated = Long.MAX_VALUE;
		for (int round = 0; round < 3; round++) {
			long before = threads.getThreadAllocatedBytes(threadId);
			calls.run();
			allocated = Math.min(allocated, threads.getThreadAllocatedBytes(threadId) - before);
		}
		assertThat(allocated).as("bytes allocated by 100k tryAcquire + release").isLessThan(1024);
	}

}
