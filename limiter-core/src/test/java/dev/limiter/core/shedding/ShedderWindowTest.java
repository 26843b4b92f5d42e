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
