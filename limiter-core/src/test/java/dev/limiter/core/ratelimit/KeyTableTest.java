package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

/** The segmented table: a model check of backward shift, resize and eviction; hashing of bound keys; eviction order. */
class KeyTableTest {

	/** Random inserts and fresh-removals with colliding hashes; every key the model holds is found exactly once. */
	@Test
	void segmentAgreesWithAMapUnderCollisionsEvictionAndRemoval() {
		SplittableRandom random = new SplittableRandom(7);
		for (int round = 0; round < 200; round++) {
			int maximum = 1 + random.nextInt(60);
			KeyTable.Segment segment = new KeyTable.Segment(maximum, round);
			Map<String, long[]> model = new HashMap<>(); // key -> {hash, freshAt, value}
			KeyState state = new KeyState();
			for (int op = 0; op < 3000; op++) {
				long now = op;
				if (random.nextInt(50) == 0) {
					segment.removeFresh(now);
					model.values().removeIf((v) -> v[1] <= now);
				}
				else {
					String key = "k" + random.nextInt(200);
					// few distinct hashes: long probe chains, wrap-around, equal tags for different keys
					int hash = key.hashCode() & 7;
					long[] known = model.get(key);
					if (known != null) {
						hash = (int) known[0];
					}
					int slot = segment.find(hash, "", key);
					assertThat(slot >= 0).as("found " + key).isEqualTo(known != null);
					long value = random.nextLong(1_000_000);
					long freshAt = now + random.nextInt(100);
					if (slot < 0) {
						int before = segment.size();
						slot = segment.insert(hash, "", key, now);
						if (before == maximum) {
							// exactly one of the model's keys is gone
							List<String> gone = new ArrayList<>();
							for (Map.Entry<String, long[]> e : model.entrySet()) {
								if (segment.find((int) e.getValue()[0], "", e.getKey()) < 0) {
									gone.add(e.getKey());
								}
							}
							assertThat(gone).hasSize(1);
							model.remove(gone.get(0));
						}
					}
					state.referenceMicros = value;
					state.count = value + 1;
					state.previousCount = value + 2;
					segment.store(slot, state, freshAt);
					model.put(key, new long[] { hash, freshAt, value });
				}
				assertThat(segment.size()).isEqualTo(model.size()).isLessThanOrEqualTo(maximum);
				for (Map.Entry<String, long[]> e : model.entrySet()) {
					int slot = segment.find((int) e.getValue()[0], "", e.getKey());
					assertThat(slot).as("lost " + e.getKey()).isNotNegative();
					segment.load(slot, state);
					assertThat(state.referenceMicros).isEqualTo(e.getValue()[2]);
					assertThat(state.previousCount).isEqualTo(e.getValue()[2] + 2);
					assertThat(segment.freshAtNanos(slot)).isEqualTo(e.getValue()[1]);
				}
			}
		}
	}

	@Test
	void concatenatedHashIsTheHashOfTheConcatenation() {
		SplittableRandom random = new SplittableRandom(3);
		for (int i = 0; i < 2000; i++) {
			String prefix = randomString(random, random.nextInt(20)) + ':';
			String key = randomString(random, random.nextInt(600));
			assertThat(InMemoryRateLimitStore.concatenatedHash(prefix.hashCode(), key))
				.isEqualTo((prefix + key).hashCode());
			assertThat(KeyTable.sameKey(prefix, key, "", prefix + key)).isTrue();
		}
	}

	/** A key with ':' and non-ASCII characters is one key whether bound or not, under any namespace split. */
	@Test
	void boundAndUnboundKeysWithColonsAreOneKey() {
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(new ManualClock()).build();
		TokenBucketSpec spec = new TokenBucketSpec(0, Duration.ofSeconds(1), 4);
		assertThat(store.bind("a:b", spec, 0).acquire("c:é", 1).remaining()).isEqualTo(3);
		assertThat(store.bind("a", spec, 0).acquire("b:c:é", 1).remaining()).isEqualTo(2);
		assertThat(store.acquire("a:b:c:é", spec, 1).remaining()).isEqualTo(1);
		assertThat(store.bind("a:b:c", spec, 0).acquire("é", 1).remaining()).isZero();
		assertThat(store.estimatedKeyCount()).isOne();
	}

	/**
	 * README ("keys whose state is fresh again are evicted first"): 60 keys in use (a window of one permit per hour,
	 * already taken) and 40 keys already fresh in a store of 100; a stream of new keys that are fresh 1 ms later. An
	 * eviction always has a fresh key to take, yet a key in use is forgotten and admits again within its hour.
	 */
	@Test
	void aKeyInUseIsNotEvictedWhileFreshKeysAreHeld() {
		ManualClock clock = new ManualClock();
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).maximumKeys(100).build();
		FixedWindowSpec hour = new FixedWindowSpec(1, Duration.ofHours(1), false);
		TokenBucketSpec quick = new TokenBucketSpec(1, Duration.ofMillis(1), 1);
		for (int i = 0; i < 60; i++) {
			store.acquire("hot-" + i, hour, 1);
		}
		for (int i = 0; i < 40; i++) {
			store.acquire("cold-" + i, quick, 1);
		}
		clock.advance(Duration.ofMillis(1));
		int admittedAgain = 0;
		for (int i = 0; i < 2000; i++) {
			store.acquire("new-" + i, quick, 1);
			clock.advance(Duration.ofMillis(1));
		}
		for (int i = 0; i < 60; i++) {
			if (store.acquire("hot-" + i, hour, 1).allowed()) {
				admittedAgain++;
			}
		}
		assertThat(admittedAgain).as("keys in use forgotten (second permit within the hour admitted)").isZero();
	}

	private static String randomString(SplittableRandom random, int length) {
		StringBuilder builder = new StringBuilder();
		for (int i = 0; i < length; i++) {
			builder.append((char) (random.nextBoolean() ? 'a' + random.nextInt(26) : random.nextInt(0xD7FF)));
		}
		return builder.toString();
	}

}
