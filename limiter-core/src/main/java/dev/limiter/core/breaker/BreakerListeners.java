package dev.limiter.core.breaker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notification of {@link BreakerListener}s, shared by the breakers; each keeps its listeners in a copy-on-write array
 * ({@link dev.limiter.core.Listeners}).
 */
final class BreakerListeners {

	static final BreakerListener[] NONE = {};

	private static final Logger logger = LoggerFactory.getLogger(BreakerListener.class);

	private BreakerListeners() {
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
