package dev.limiter.boot.dashboard;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The Space-Saving sketch: finds the heavy hitters among many light keys, keeps at most {@code k} keys, bounds each
 * count's error, and forgets what decay wears down.
 */
class TopKeysTests {

	@Test
	void heavyHittersAreFoundAmongManyLightKeys() {
		TopKeys top = new TopKeys(5);
		SplittableRandom random = new SplittableRandom(42);
		Map<String, Integer> truth = new HashMap<>();
		for (int i = 0; i < 100_000; i++) {
			double draw = random.nextDouble();
			String key = (draw < 0.3) ? "heavy-1" : (draw < 0.5) ? "heavy-2" : (draw < 0.6) ? "heavy-3"
					: "light-" + random.nextInt(10_000);
			truth.merge(key, 1, Integer::sum);
			assertThat(top.offer(key)).isTrue();
		}
		List<TopKeys.Entry> entries = top.top(5);
		assertThat(entries).hasSize(5);
		assertThat(entries.subList(0, 3)).extracting(TopKeys.Entry::key)
			.containsExactly("heavy-1", "heavy-2", "heavy-3");
		assertThat(entries.get(0).share()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(0.05));
		for (TopKeys.Entry entry : entries) {
			int actual = truth.get(entry.key());
			assertThat(entry.count()).as("never an underestimate").isGreaterThanOrEqualTo(actual);
			assertThat(entry.count() - entry.error()).as("overestimate bounded by the error")
					.isLessThanOrEqualTo(actual);
		}
	}

	@Test
	void keepsAtMostItsCapacityAndTopIsLimited() {
		TopKeys top = new TopKeys(3);
		for (int i = 0; i < 1000; i++) {
			top.offer("key-" + i);
		}
		assertThat(top.top(20)).hasSize(3);
		assertThat(top.top(2)).hasSize(2);
	}

	@Test
	void exactWhileKeysFit() {
		TopKeys top = new TopKeys(4);
		for (int i = 0; i < 6; i++) {
			top.offer("a");
		}
		top.offer("b");
		top.offer("b");
		top.offer("c");
		assertThat(top.top(4)).containsExactly(new TopKeys.Entry("a", 6, 0, 6 / 9.0),
				new TopKeys.Entry("b", 2, 0, 2 / 9.0), new TopKeys.Entry("c", 1, 0, 1 / 9.0));
	}

	@Test
	void decayWeighsRecentKeysAndForgetsFadedOnes() {
		TopKeys top = new TopKeys(4);
		for (int i = 0; i < 10; i++) {
			top.offer("old");
		}
		for (int i = 0; i < 8; i++) {
			top.decay(0.5);
		}
		top.offer("new");
		assertThat(top.top(4)).extracting(TopKeys.Entry::key).containsExactly("new", "old");
		top.decay(0.001);
		assertThat(top.top(4)).as("counts below a hundredth are forgotten").isEmpty();
	}

	@Test
	void clearForgetsEverything() {
		TopKeys top = new TopKeys(2);
		top.offer("a");
		top.clear();
		assertThat(top.top(2)).isEmpty();
		top.offer("b");
		assertThat(top.top(2)).extracting(TopKeys.Entry::share).containsExactly(1.0);
	}

	@Test
	void capacityIsBetweenOneAndTwenty() {
		assertThatIllegalArgumentException().isThrownBy(() -> new TopKeys(0)).withMessageContaining("(was 0)");
		assertThatIllegalArgumentException().isThrownBy(() -> new TopKeys(21)).withMessageContaining("(was 21)");
		assertThat(new TopKeys(TopKeys.MAX_SIZE).top(20)).isEmpty();
	}

}
