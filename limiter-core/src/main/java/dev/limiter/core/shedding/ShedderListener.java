package dev.limiter.core.shedding;

/**
 * Observes a load shedder ({@link AdaptiveShedder}): the calls it sheds. Shaped as
 * {@link dev.limiter.core.breaker.BreakerListener}: the method does nothing by default and is given the instance.
 *
 * <p>Register with the shedder's builder ({@code .listener(..)}) or later with {@code addListener} /
 * {@code removeListener}. Listeners run synchronously, in registration order, on the thread whose call was shed, so
 * they must be quick; an exception thrown by a listener is logged and otherwise ignored. A shedder with no listener
 * pays nothing for this API.
 */
public interface ShedderListener {

	/**
	 * Called each time the shedder sheds (rejects) a call.
	 * @param shedder the shedder
	 */
	default void onDrop(Shedder shedder) {
	}

}
