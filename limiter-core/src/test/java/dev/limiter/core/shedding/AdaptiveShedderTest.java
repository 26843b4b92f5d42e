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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

	private static final Pattern WAIT = Pattern.compile("\\+(\\d+)(s|ms)");

	private static final Pattern FLIGHT = Pattern.compile("flight=(\\d+)(?:,avg=(\\d+))?");

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

	/**
	 * The table's shedder: a 5 s window in 50 buckets of 100 ms, filled by {@link #fill} (maxFlight 54), CPU idle.
	 * Events: {@code cpu=0.9} the CPU reading from now on; {@code flight=80} 80 calls left in flight, the average
	 * in flight just above; {@code flight=49,avg=80} 49 left in flight after the average was brought to 80, so that
	 * it is still above maxFlight (both with the CPU idle meanwhile); {@code +2s}, {@code +500ms} the clock moves;
	 * {@code ?} one call, which fails at once when permitted. Then the decisions on the calls ({@code shed} or
	 * {@code pass}, in order) and the remaining cool-off are read.
	 */
	@ParameterizedTest(name = "[{index}] {0} -> {1}, cool-off {2} ms")
	@CsvSource(delimiter = '|', textBlock = """
			''                                                              | ''                       | 0
			# go-zero TestAdaptiveShedderShouldDrop: hot and both in-flight counts above maxFlight
			flight=10 cpu=0.9 ?                                             | pass                     | 0
			flight=49,avg=80 cpu=0.9 ?                                      | pass                     | 0
			flight=80 cpu=0.9 ?                                             | shed                     | 1000
			flight=80 cpu=0.5 ?                                             | pass                     | 0
			# go-zero TestAdaptiveShedderStillHot: hot for the cool-off after a hot reading, once a call was shed
			flight=80 cpu=0.9 ? cpu=0.5 ? +2s ?                             | shed shed pass           | 0
			flight=80 cpu=0.5 ? cpu=0.95 ? cpu=0.5 +500ms ? +499ms ? +1ms ? | pass shed shed shed pass | 0
			flight=80 cpu=0.95 ? cpu=0.5 +300ms                             | shed                     | 700
			flight=80 cpu=0.95 ? cpu=0.5 +1s                                | shed                     | 0
			cpu=0.95 ? cpu=0.5 flight=80 ?                                  | pass pass                | 0
			# the overload factor scales maxFlight 54 by (1000 - cpu) / (1000 - 900), from 1 down to 0.1
			flight=54 cpu=0.9 ?                                             | pass                     | 0
			flight=55 cpu=0.9 ?                                             | shed                     | 1000
			flight=27 cpu=0.95 ?                                            | pass                     | 0
			flight=28 cpu=0.95 ?                                            | shed                     | 1000
			flight=5 cpu=0.99 ?                                             | pass                     | 0
			flight=6 cpu=0.99 ?                                             | shed                     | 1000
			flight=5 cpu=0.999 ?                                            | pass                     | 0
			flight=6 cpu=0.999 ?                                            | shed                     | 1000
			flight=5 cpu=1.0 ?                                              | pass                     | 0
			flight=6 cpu=1.0 ?                                              | shed                     | 1000
			""")
	void stateMachine(String script, String decisions, long coolOffMillis) {
		AdaptiveShedder shedder = builder().window(Duration.ofSeconds(5)).buckets(50).build();
		fill(shedder);
		List<String> made = new ArrayList<>();
		for (String event : script.isBlank() ? new String[0] : script.trim().split("\\s+")) {
			apply(shedder, event, made);
		}
		assertThat(String.join(" ", made)).isEqualTo(decisions);
		assertThat(shedder.coolOffRemaining()).isEqualTo(Duration.ofMillis(coolOffMillis));
	}

	private void apply(AdaptiveShedder shedder, String event, List<String> decisions) {
		Matcher wait = WAIT.matcher(event);
		Matcher flight = FLIGHT.matcher(event);
		if (wait.matches()) {
			long amount = Long.parseLong(wait.group(1));
			this.clock.advance(wait.group(2).equals("s") ? Duration.ofSeconds(amount) : Duration.ofMillis(amount));
		}
		else if (flight.matches()) {
			int inFlight = Integer.parseInt(flight.group(1));
			int average = (flight.group(2) != null) ? Integer.parseInt(flight.group(2)) : inFlight + 1;
			inFlight(shedder, average, inFlight);
			assertThat(shedder.inFlight()).isEqualTo(inFlight);
			assertThat(shedder.averageInFlight()).isGreaterThan(inFlight).isLessThan(average + 1);
			if (flight.group(2) != null) {
				assertThat(shedder.averageInFlight()).as("average above maxFlight").isGreaterThan(shedder.maxFlight());
			}
		}
		else if (event.startsWith("cpu=")) {
			this.cpu = Double.parseDouble(event.substring(4));
		}
		else {
			assertThat(event).isEqualTo("?");
			decisions.add(sheds(shedder) ? "shed" : "pass");
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
