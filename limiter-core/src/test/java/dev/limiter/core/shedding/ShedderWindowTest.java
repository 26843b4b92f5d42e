package dev.limiter.core.shedding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;
import dev.limiter.core.window.RollingWindow;

import static org.assertj.core.api.Assertions.assertThat;

class ShedderWindowTest {

	private static final long INTERVAL = 100;

	private final ManualClock clock = new ManualClock();

	@Test
	void passesAndResponseTimesMatchTwoRollingWindowsWithIgnoreCurrentBucket() {
		Random random = new Random(20261123L);
		ShedderWindow window = new ShedderWindow(5, INTERVAL, this.clock, 0);
		RollingWindow passCounter = new RollingWindow(5, Duration.ofNanos(INTERVAL), true, this.clock, 0);
		RollingWindow rtCounter = new RollingWindow(5, Duration.ofNanos(INTERVAL), true, this.clock, 0);
		for (int step = 0; step < 5_000; step++) {
			long jump = (random.nextInt(50) == 0) ? -random.nextInt(700) : random.nextInt(60);
			this.clock.advanceNanos(jump);
			if (random.nextBoolean()) {
				int rt = random.nextInt(30);
				window.addPass(rt, this.clock.nanoTime());
				passCounter.add(1);
				rtCounter.add(rt);
			}
			assertThat(buckets(window.passes)).as("passes at step %d", step).isEqualTo(buckets(passCounter));
			assertThat(buckets(window.responseTimes)).as("response times at step %d", step)
				.isEqualTo(buckets(rtCounter));
			assertThat(window.maxPassTimesMinRt(this.clock.nanoTime(), AdaptiveShedder.DEFAULT_MIN_RT))
				.as("maxPass x minRt at step %d", step)
				.isEqualTo(maxPass(passCounter) * minRt(rtCounter));
		}
	}

	@Test
	void passesRecordedConcurrentlyWhileBucketsRotateAreAllCounted() throws InterruptedException {
		ShedderWindow window = new ShedderWindow(50, 100_000_000L, this.clock, 0); // 5 s in buckets of 100 ms
		int threads = 4;
		int operations = 20_000;
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			boolean ticking = t == 0;
			workers.add(new Thread(() -> {
				for (int i = 0; i < operations; i++) {
					if (ticking && i % 100 == 0) {
						this.clock.advance(Duration.ofMillis(10)); // 2 s in all
					}
					window.addPass(1, this.clock.nanoTime());
				}
			}));
		}
		workers.forEach(Thread::start);
		for (Thread worker : workers) {
			worker.join();
		}
		this.clock.advance(Duration.ofMillis(100)); // the last bucket is complete, so shown
		long[] passes = { 0 };
		window.passes.reduce((sum, count) -> passes[0] += count);
		assertThat(passes[0]).isEqualTo(threads * (long) operations);
	}

	private static List<String> buckets(ShedderWindow.Series series) {
		List<String> buckets = new ArrayList<>();
		series.reduce((sum, count) -> buckets.add(sum + "/" + count));
		return buckets;
	}

	private static List<String> buckets(RollingWindow window) {
		List<String> buckets = new ArrayList<>();
		window.reduce((sum, count) -> buckets.add(sum + "/" + count));
		return buckets;
	}

	private static double maxPass(RollingWindow passCounter) {
		long[] max = { 1 };
		passCounter.reduce((sum, count) -> max[0] = Math.max(max[0], (long) sum));
		return max[0];
	}

	private static double minRt(RollingWindow rtCounter) {
		double[] min = { AdaptiveShedder.DEFAULT_MIN_RT };
		rtCounter.reduce((sum, count) -> {
			if (count > 0) {
				min[0] = Math.min(min[0], AdaptiveShedder.roundHalfAwayFromZero(sum / (double) count));
			}
		});
		return min[0];
	}

}
