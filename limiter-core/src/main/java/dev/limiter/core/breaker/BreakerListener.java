package dev.limiter.core.breaker;

/**
 * Observes a circuit breaker: its state transitions and the calls it drops.
 *
 * <p>Listeners are called synchronously on the thread that caused the event, so they must be quick and must not
 * throw; an exception thrown by a listener is caught and ignored so that it cannot break the protected call.
 * A breaker with no listeners pays nothing for this API.
 */
public interface BreakerListener {

	/**
	 * Called after the breaker moved from one state to another.
	 * @param breaker the breaker
	 * @param from the previous state
	 * @param to the new state
	 */
	default void onStateChange(Breaker breaker, BreakerState from, BreakerState to) {
	}

	/**
	 * Called each time the breaker drops a call.
	 * @param breaker the breaker
	 */
	default void onDrop(Breaker breaker) {
	}

}
