package dev.limiter.core.shedding;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
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
import static org.assertj.core.api.Assertions.within;

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

	/** go-zero adaptiveshedder_test.go: pass counts 100..1000 and response times 1..100 over ten buckets. */
	private void fill(AdaptiveShedder shedder) {
		for (int i = 0; i < 10; i++) {
			if (i > 0) {
				this.clock.advance(BUCKET);
			}
			shedder.passCounter().add((i + 1) * 100);
			for (int j = i * 10 + 1; j <= i * 10 + 10; j++) {
				shedder.rtCounter().add(j);
			}
		}
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

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderMaxPass
	@Test
	void maxPassIsTheLargestCompletedBucket() {
		AdaptiveShedder shedder = builder().build();
		for (int i = 1; i <= 10; i++) {
			shedder.passCounter().add(i * 100);
			this.clock.advance(BUCKET);
		}
		assertThat(shedder.maxPass()).isEqualTo(1000);

		// default max pass is equal to 1.
		assertThat(builder().build().maxPass()).isEqualTo(1);
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderMinRt
	@Test
	void minRtIsTheSmallestRoundedBucketMean() {
		AdaptiveShedder shedder = builder().build();
		for (int i = 0; i < 10; i++) {
			if (i > 0) {
				this.clock.advance(BUCKET);
			}
			for (int j = i * 10 + 1; j <= i * 10 + 10; j++) {
				shedder.rtCounter().add(j);
			}
		}
		// the first bucket's mean 5.5 rounds half away from zero
		assertThat(shedder.minRt()).isEqualTo(6.0);

		// with no completed bucket: defaultMinRt
		assertThat(builder().build().minRt()).isEqualTo(AdaptiveShedder.DEFAULT_MIN_RT);
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
		fill(shedder);
		assertThat(shedder.maxFlight()).isEqualTo(54.0);
		shedder.passCounter().add(5_000); // the current bucket: not shown yet
		this.clock.advance(BUCKET.minusNanos(1));
		assertThat(shedder.maxFlight()).isEqualTo(54.0);
		this.clock.advanceNanos(1);
		// now the buckets of 1000 and 5000 passes are completed; the oldest (100 passes, minRt 6) expired
		assertThat(shedder.maxFlight()).isEqualTo(shedder.maxPass() * shedder.minRt() * 0.01).isEqualTo(6000 * 16 * 0.01);
		this.clock.advance(Duration.ofSeconds(-5));
		assertThat(shedder.maxFlight()).as("time went backwards: nothing is shown").isEqualTo(10.0);
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderShouldDrop
	@Test
	void shedsOnlyWhenHotAndBothInFlightCountsExceedMaxFlight() {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		// cpu >= threshold, inflight < maxPass
		this.cpu = 0.9;
		shedder.setInFlight(0, 50);
		assertThat(shedder.shouldDrop()).isFalse();

		// cpu >= threshold, average in flight > maxFlight but in flight below it
		shedder.setInFlight((long) (shedder.maxFlight() * shedder.overloadFactor()) - 5, 80);
		assertThat(shedder.shouldDrop()).isFalse();

		// cpu >= threshold, both above
		shedder.setInFlight(80, 80);
		assertThat(shedder.shouldDrop()).isTrue();

		// cpu < threshold, both above
		this.cpu = 0.5;
		assertThat(shedder.shouldDrop()).isFalse();

		// cpu >= threshold, both above: allow refuses
		this.cpu = 0.9;
		assertThatExceptionOfType(OverloadException.class).isThrownBy(shedder::allow)
			.withMessage("Load shedder 'test' refused the call: service overloaded")
			.extracting(OverloadException::getName)
			.isEqualTo("test");
	}

	// go-zero adaptiveshedder_test.go TestAdaptiveShedderStillHot
	@Test
	void stillHotOnlyWithinTheCoolOffAfterAnOverloadedReading() {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		shedder.setDroppedRecently(true);
		assertThat(shedder.stillHot()).as("never overloaded").isFalse();
		shedder.setOverloadTime(this.clock.nanoTime() - Duration.ofSeconds(2).toNanos());
		assertThat(shedder.stillHot()).as("overloaded 2 s ago").isFalse();
		shedder.setDroppedRecently(true);
		shedder.setOverloadTime(this.clock.nanoTime());
		assertThat(shedder.stillHot()).as("overloaded now").isTrue();
	}

	@Test
	void coolOffRunsFromTheLastOverloadedReadingAndNeedsADrop() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		shedder.setInFlight(80, 80);
		this.cpu = 0.5;
		assertThat(shedder.tryAcquire()).as("cool").isNotNegative();
		shedder.setInFlight(80, 80);

		this.cpu = 0.95;
		assertThat(shedder.tryAcquire()).as("hot").isEqualTo(AdaptiveShedder.SHED);
		this.cpu = 0.5;
		this.clock.advance(Duration.ofMillis(500));
		assertThat(shedder.tryAcquire()).as("cooling off, 0.5 s").isEqualTo(AdaptiveShedder.SHED);
		this.clock.advance(Duration.ofMillis(499));
		assertThat(shedder.tryAcquire()).as("cooling off, 0.999 s").isEqualTo(AdaptiveShedder.SHED);
		this.clock.advance(Duration.ofMillis(1));
		assertThat(shedder.tryAcquire()).as("1 s after the last hot reading").isNotNegative();
	}

	@Test
	void anOverloadedReadingWithoutADropDoesNotHeatUp() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		this.cpu = 0.95;
		assertThat(shedder.tryAcquire()).as("hot, but few in flight").isNotNegative();
		shedder.setInFlight(80, 80);
		this.cpu = 0.5;
		assertThat(shedder.tryAcquire()).isNotNegative();
	}

	@Test
	void responseTimesAreWholeMillisecondsRoundedUp() {
		AdaptiveShedder shedder = builder().build();
		long first = shedder.tryAcquire();
		this.clock.advanceNanos(1);
		shedder.release(first, true);
		long second = shedder.tryAcquire();
		this.clock.advance(Duration.ofMillis(2));
		shedder.release(second, true);
		long third = shedder.tryAcquire();
		this.clock.advance(Duration.ofMillis(2).plusNanos(1));
		shedder.release(third, true);
		long failed = shedder.tryAcquire();
		this.clock.advance(Duration.ofMillis(7));
		shedder.release(failed, false);
		this.clock.advance(BUCKET);
		List<String> rts = new ArrayList<>();
		shedder.rtCounter().reduce((sum, count) -> {
			if (count > 0) {
				rts.add(sum + "/" + count);
			}
		});
		assertThat(rts).containsExactly("6.0/3");
		assertThat(shedder.maxPass()).isEqualTo(3);
		assertThat(shedder.minRt()).isEqualTo(2.0);
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

	@ParameterizedTest
	@CsvSource({ "0.5, 1.0", "0.9, 1.0", "0.95, 0.5", "0.99, 0.1", "0.999, 0.1", "1.0, 0.1" })
	void overloadFactorFallsWithTheCpuAboveTheThreshold(double cpu, double factor) {
		AdaptiveShedder shedder = builder().build();
		this.cpu = cpu;
		assertThat(shedder.overloadFactor()).isCloseTo(factor, within(1e-12));
	}

	@Test
	void theOverloadFactorScalesMaxFlight() {
		AdaptiveShedder shedder = builder().build();
		fill(shedder);
		// maxFlight 54; at cpu 0.95 the factor is 0.5: 27 in flight is the limit
		this.cpu = 0.95;
		shedder.setInFlight(28, 28);
		assertThat(shedder.shouldDrop()).isTrue();
		shedder.setInFlight(27, 28);
		assertThat(shedder.shouldDrop()).isFalse();
	}

	@Test
	void thePriorityVariantUsesTheMidpointToFullCpu() {
		AdaptiveShedder priority = builder().priority(true).build();
		assertThat(priority.cpuThreshold()).isEqualTo(0.95);
		fill(priority);
		priority.setInFlight(80, 80);
		this.cpu = 0.949;
		assertThat(priority.shouldDrop()).isFalse();
		this.cpu = 0.95;
		assertThat(priority.shouldDrop()).isTrue();
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
		shedder.release(AdaptiveShedder.SHED, true);
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
		assertThat(shedder.maxPass()).as("no pass recorded").isEqualTo(1);
		assertThat(shedder.minRt()).as("no response time recorded").isEqualTo(1000);
		Promise passed = shedder.allow();
		this.clock.advance(Duration.ofMillis(1));
		passed.accept();
		this.clock.advance(BUCKET.multipliedBy(2));
		assertThat(shedder.minRt()).as("an accepted call's response time counts").isEqualTo(1);
	}

	@Test
	void coolOffRemainingIsTheRestOfTheCoolOffWhileShedding() {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		assertThat(shedder.coolOffRemaining()).as("nothing shed").isZero();
		shedder.setInFlight(80, 80);
		this.cpu = 0.95;
		assertThat(shedder.tryAcquire()).isEqualTo(AdaptiveShedder.SHED);
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
		AdaptiveShedder shedder = builder().listener(new AdaptiveShedder.Listener() {
			@Override
			public void onDrop(String name) {
				drops.add(name);
			}
		}).build();
		fill(shedder);
		shedder.setInFlight(80, 80);
		this.cpu = 0.9;
		assertThat(shedder.tryAcquire()).isEqualTo(AdaptiveShedder.SHED);
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
