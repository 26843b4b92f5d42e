package dev.limiter.core.breaker;

/**
 * Observes a circuit breaker ({@link SreBreaker} or {@link ThresholdBreaker}): its state changes and the calls it
 * drops. Both methods do nothing by default, so a listener implements only what it needs.
 *
 * <p>Register with the breaker's builder ({@code .listener(..)}) or later with {@code addListener} /
 * {@code removeListener}. Listeners run synchronously, in registration order, on the thread that caused the event
 * (a call, or a read of the state), so they must be quick; an exception thrown by a listener is logged and
 * otherwise ignored, so that it cannot break the protected call. A breaker with no listener pays nothing for this
 * API.
 */
public interface BreakerListener {

	/**
	 * Called after the breaker moved from one state to another. An {@link SreBreaker} reports
	 * {@link BreakerState#CLOSED} → {@link BreakerState#OPEN} when it starts dropping calls with a positive
	 * probability and back when it stops, as observed by calls and by its {@code state()} and {@code dropRatio()}.
	 * @param breaker the breaker
	 * @param from the previous state
	 * @param to the new state, never equal to {@code from}
	 */
	default void onStateChange(Breaker breaker, BreakerState from, BreakerState to) {
	}

	/**
	 * Called each time the breaker drops (rejects) a call.
	 * @param breaker the breaker
	 */
	default void onDrop(Breaker breaker) {
	}

}
