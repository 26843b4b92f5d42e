package dev.limiter.core.breaker;

import java.util.Arrays;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copy-on-write arrays of {@link BreakerListener}s and their notification, shared by the breakers: a breaker keeps
 * a volatile array (empty when none is registered, so that its hot path only checks the length) and replaces it
 * under its own lock.
 */
final class BreakerListeners {

	static final BreakerListener[] NONE = {};

	private static final Logger logger = LoggerFactory.getLogger(BreakerListener.class);

	private BreakerListeners() {
	}

	/** Returns a copy of {@code current} with {@code listener} appended. */
	static BreakerListener[] add(BreakerListener[] current, BreakerListener listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		BreakerListener[] updated = Arrays.copyOf(current, current.length + 1);
		updated[current.length] = listener;
		return updated;
	}

	/** Returns {@code current} without the first occurrence of {@code listener}, or {@code current} itself. */
	static BreakerListener[] remove(BreakerListener[] current, BreakerListener listener) {
		for (int i = 0; i < current.length; i++) {
			if (current[i] == listener) {
				BreakerListener[] updated = new BreakerListener[current.length - 1];
				System.arraycopy(current, 0, updated, 0, i);
				System.arraycopy(current, i + 1, updated, i, current.length - i - 1);
				return updated;
			}
		}
		return current;
	}

	static void stateChanged(BreakerListener[] listeners, Breaker breaker, BreakerState from, BreakerState to) {
		for (BreakerListener listener : listeners) {
			try {
				listener.onStateChange(breaker, from, to);
			}
			catch (RuntimeException ex) {
				logger.warn("Listener of circuit breaker '{}' failed on state change {} -> {}", breaker.name(), from,
						to, ex);
			}
		}
	}

	static void dropped(BreakerListener[] listeners, Breaker breaker) {
		for (BreakerListener listener : listeners) {
			try {
				listener.onDrop(breaker);
			}
			catch (RuntimeException ex) {
				logger.warn("Listener of circuit breaker '{}' failed on drop", breaker.name(), ex);
			}
		}
	}

}
