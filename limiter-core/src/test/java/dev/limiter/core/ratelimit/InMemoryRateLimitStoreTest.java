package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.util.Optional;

import dev.limiter.core.ManualClock;

/** The in-memory store against the store contract, plus what only it promises. */
class InMemoryRateLimitStoreTest extends RateLimitStoreContractTest {

	@Override
	protected RateLimitStore createStore(ManualClock clock) {
		return InMemoryRateLimitStore.builder().clock(clock).build();
	}

	@Override
	protected Optional<Duration> timeToLive(RateLimitStore store, String key) {
		return ((InMemoryRateLimitStore) store).timeToLive(key);
	}

}
