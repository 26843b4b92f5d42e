package dev.limiter.boot.dashboard;

import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;

/**
 * One rate limiter's store as the dashboard sees it: decides through the real store and, only while someone watches
 * the dashboard, counts the decisions and the keys. While nobody watches, a decision costs one volatile read more.
 * Counting allocates nothing. Thread-safe.
 */
final class RateLimiterTap implements RateLimitStore {

	private final RateLimitStore store;

	private final boolean shadow;

	private final TopKeys topKeys;

	private final LongAdder permitted = new LongAdder();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder shadowRejected = new LongAdder();

	private volatile boolean watched;

	RateLimiterTap(RateLimitStore store, boolean shadow, int topKeys) {
		this.store = Objects.requireNonNull(store, "store must not be null");
		this.shadow = shadow;
		this.topKeys = new TopKeys(topKeys);
	}

	@Override
	public Decision acquire(String key, LimitSpec spec, int permits) {
		Decision decision = this.store.acquire(key, spec, permits);
		if (this.watched) {
			record(key, decision.allowed());
		}
		return decision;
	}

	@Override
	public boolean decidesAsyncWithoutBlocking() {
		return this.store.decidesAsyncWithoutBlocking();
	}

	@Override
	public CompletionStage<Decision> acquireAsync(String key, LimitSpec spec, int permits) {
		CompletionStage<Decision> decision = this.store.acquireAsync(key, spec, permits);
		if (!this.watched) {
			return decision;
		}
		return decision.thenApply((made) -> {
			record(key, made.allowed());
			return made;
		});
	}

	void record(String key, boolean allowed) {
		if (allowed) {
			this.permitted.increment();
		}
		else if (this.shadow) {
			this.shadowRejected.increment();
		}
		else {
			this.rejected.increment();
		}
		this.topKeys.offer(key);
	}

	/**
	 * Starts or stops counting; starting forgets what an earlier watch counted.
	 * @param watched whether someone watches
	 */
	void watch(boolean watched) {
		if (watched && !this.watched) {
			this.permitted.reset();
			this.rejected.reset();
			this.shadowRejected.reset();
			this.topKeys.clear();
		}
		this.watched = watched;
	}

	RateLimitStore store() {
		return this.store;
	}

	boolean shadow() {
		return this.shadow;
	}

	TopKeys topKeys() {
		return this.topKeys;
	}

	long takePermitted() {
		return this.permitted.sumThenReset();
	}

	long takeRejected() {
		return this.rejected.sumThenReset();
	}

	long takeShadowRejected() {
		return this.shadowRejected.sumThenReset();
	}

	@Override
	public String toString() {
		return this.store.toString();
	}

}
