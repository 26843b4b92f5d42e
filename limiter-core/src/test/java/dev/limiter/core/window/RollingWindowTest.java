package dev.limiter.core.window;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RollingWindowTest {

	private static final Duration DURATION = Duration.ofMillis(50);

	private final ManualClock clock = new ManualClock();

	// go-zero rollingwindow_test.go TestNewRollingWindow
	@Test
	void sizeMustBePositive() {
		assertThat(new RollingWindow(10, Duration.ofSeconds(1), false, this.clock).size()).isEqualTo(10);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RollingWindow(0, Duration.ofSeconds(1), false, this.clock))
			.withMessage("size must be > 0 (was 0)");
	}

	@Test
	void intervalMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RollingWindow(3, Duration.ZERO, false, this.clock))
			.withMessage("interval must be > 0 (was PT0S)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RollingWindow(3, Duration.ofMillis(-1), false, this.clock))
			.withMessageStartingWith("interval must be > 0");
	}

	// go-zero rollingwindow_test.go TestRollingWindowAdd
	@Test
	void addFillsTheCurrentBucketAndRollsOldestOut() {
		RollingWindow window = new RollingWindow(3, DURATION, false, this.clock);
		assertThat(sums(window)).containsExactly(0.0, 0.0, 0.0);
		window.add(1);
		assertThat(sums(window)).containsExactly(0.0, 0.0, 1.0);
		elapse();
		window.add(2);
		window.add(3);
		assertThat(sums(window)).containsExactly(0.0, 1.0, 5.0);
		elapse();
		window.add(4);
		window.add(5);
		window.add(6);
		assertThat(sums(window)).containsExactly(1.0, 5.0, 15.0);
		elapse();
		window.add(7);
		assertThat(sums(window)).containsExactly(5.0, 15.0, 7.0);
	}

	// go-zero rollingwindow_test.go TestRollingWindowReset
	@Test
	void expiredBucketsAreNotVisitedWhenIgnoringTheCurrentBucket() {
		RollingWindow window = new RollingWindow(3, DURATION, true, this.clock);
		window.add(1);
		elapse();
		assertThat(sums(window)).containsExactly(0.0, 1.0);
		elapse();
		assertThat(sums(window)).containsExactly(1.0);
		elapse();
		assertThat(sums(window)).isEmpty();

		// cross window
		window.add(1);
		this.clock.advance(DURATION.multipliedBy(10));
		assertThat(sums(window)).isEmpty();
	}

	// go-zero rollingwindow_test.go TestRollingWindowReduce
	@ParameterizedTest
	@CsvSource({ "false, 10", "true, 4" })
	void reduceSumsTheVisibleBuckets(boolean ignoreCurrentBucket, double expected) {
		int size = 4;
		RollingWindow window = new RollingWindow(size, DURATION, ignoreCurrentBucket, this.clock);
		for (int x = 0; x < size; x++) {
			for (int i = 0; i <= x; i++) {
				window.add(i);
			}
			if (x < size - 1) {
				elapse();
			}
		}
		double[] result = new double[1];
		window.reduce((sum, count) -> result[0] += sum);
		assertThat(result[0]).isEqualTo(expected);
	}

	// go-zero rollingwindow_test.go TestRollingWindowBucketTimeBoundary
	@Test
	void bucketsStayAlignedToTheCreationGrid() {
		RollingWindow window = new RollingWindow(3, Duration.ofMillis(30), false, this.clock);
		assertThat(sums(window)).containsExactly(0.0, 0.0, 0.0);
		window.add(1);
		assertThat(sums(window)).containsExactly(0.0, 0.0, 1.0);
		this.clock.advance(Duration.ofMillis(45));
		window.add(2);
		window.add(3);
		assertThat(sums(window)).containsExactly(0.0, 1.0, 5.0);
		// less than an interval later, but across a bucket boundary of the grid (t = 60 ms)
		this.clock.advance(Duration.ofMillis(20));
		window.add(4);
		window.add(5);
		window.add(6);
		assertThat(sums(window)).containsExactly(1.0, 5.0, 15.0);
		this.clock.advance(Duration.ofMillis(100));
		window.add(7);
		window.add(8);
		window.add(9);
		assertThat(sums(window)).containsExactly(0.0, 0.0, 24.0);
	}

	// go-zero rollingwindow_test.go TestRollingWindowDataRace (real threads; asserts consistent snapshots)
	@Test
	void concurrentAddAndReduceSeeConsistentBuckets() throws InterruptedException {
		RollingWindow window = new RollingWindow(3, Duration.ofNanos(200_000), false, Clock.system());
		AtomicBoolean stop = new AtomicBoolean();
		AtomicReference<String> inconsistency = new AtomicReference<>();
		Thread writer = new Thread(() -> {
			for (int i = 0; i < 200_000; i++) {
				window.add(1);
			}
			stop.set(true);
		});
		Thread reader = new Thread(() -> {
			while (!stop.get()) {
				window.reduce((sum, count) -> {
					if (sum != count) {
						inconsistency.set("sum " + sum + " != count " + count);
					}
				});
			}
		});
		writer.start();
		reader.start();
		writer.join();
		reader.join();
		assertThat(inconsistency.get()).isNull();
	}

	@Test
	void reduceReportsCountsAndDoesNotChangeTheWindow() {
		RollingWindow window = new RollingWindow(3, DURATION, false, this.clock);
		window.add(2);
		window.add(3);
		this.clock.advance(DURATION.multipliedBy(2));
		List<String> buckets = new ArrayList<>();
		window.reduce((sum, count) -> buckets.add(sum + "/" + count));
		assertThat(buckets).containsExactly("5.0/2");
		// reading again, earlier than an add would reset, still sees the same bucket
		window.reduce((sum, count) -> buckets.add(sum + "/" + count));
		assertThat(buckets).containsExactly("5.0/2", "5.0/2");
		window.add(1);
		assertThat(sums(window)).containsExactly(5.0, 0.0, 1.0);
	}

	@Test
	void withIgnoreCurrentBucketTheBucketLastWrittenIsVisibleOnceTimeMovedOn() {
		RollingWindow window = new RollingWindow(3, DURATION, true, this.clock);
		window.add(7);
		assertThat(sums(window)).containsExactly(0.0, 0.0);
		this.clock.advance(DURATION.minusNanos(1));
		assertThat(sums(window)).containsExactly(0.0, 0.0);
		this.clock.advanceNanos(1);
		assertThat(sums(window)).containsExactly(0.0, 7.0);
	}

	@Test
	void sizeOneIgnoringTheCurrentBucketSeesOnlyTheLastCompletedBucket() {
		RollingWindow window = new RollingWindow(1, DURATION, true, this.clock);
		window.add(3);
		assertThat(sums(window)).isEmpty();
		elapse();
		assertThat(sums(window)).isEmpty();
	}

	@Test
	void timeGoingBackwardsEmptiesTheWindow() {
		RollingWindow window = new RollingWindow(3, DURATION, false, this.clock);
		window.add(1);
		elapse();
		window.add(2);
		this.clock.advance(Duration.ofMillis(-60));
		assertThat(sums(window)).isEmpty();
		window.add(4);
		assertThat(sums(window)).containsExactly(0.0, 0.0, 4.0);
	}

	@Test
	void windowsCanShareAGridThatStartedEarlier() {
		this.clock.advance(Duration.ofMillis(30));
		RollingWindow window = new RollingWindow(3, DURATION, false, this.clock, 0);
		assertThat(window.startNanos()).isZero();
		window.add(1);
		this.clock.advance(Duration.ofMillis(20)); // t = 50 ms: the second bucket of the grid
		window.add(2);
		assertThat(sums(window)).containsExactly(0.0, 1.0, 2.0);
		assertThat(new RollingWindow(3, DURATION, false, this.clock).startNanos()).isEqualTo(50_000_000L);
	}

	private void elapse() {
		this.clock.advance(DURATION);
	}

	private static List<Double> sums(RollingWindow window) {
		List<Double> sums = new ArrayList<>();
		window.reduce((sum, count) -> sums.add(sum));
		return sums;
	}

}
