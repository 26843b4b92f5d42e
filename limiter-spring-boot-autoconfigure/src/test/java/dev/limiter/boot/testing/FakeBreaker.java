package dev.limiter.boot.testing;

import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.limiter.core.Promise;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.breaker.BreakerState;

/** A test breaker: open or closed as told, recording the outcomes reported to it. */
public final class FakeBreaker extends RecordingPromise implements Breaker {

	private final String name;

	private volatile boolean open;

	public FakeBreaker(String name) {
		this.name = name;
	}

	public void open(boolean open) {
		this.open = open;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public Promise allow() {
		if (this.open) {
			throw new BreakerOpenException(this.name);
		}
		return promise();
	}

	@Override
	public <T> T execute(Callable<T> call, Predicate<Throwable> acceptable, Function<Throwable, T> fallback)
			throws Exception {
		throw new UnsupportedOperationException();
	}

	@Override
	public BreakerState state() {
		return this.open ? BreakerState.OPEN : BreakerState.CLOSED;
	}

}
