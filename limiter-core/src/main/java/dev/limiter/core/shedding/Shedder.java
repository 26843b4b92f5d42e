package dev.limiter.core.shedding;

import dev.limiter.core.Promise;

/**
 * Refuses work before it starts when the process is overloaded.
 *
 * <p>{@link #allow()} either refuses the call or returns a promise: {@link Promise#accept()} when the call
 * completed, {@link Promise#reject(String)} when it failed; either way the in-flight count drops.
 */
public interface Shedder {

	/**
	 * Asks to start one call.
	 * @return the promise to complete once the call has finished
	 * @throws OverloadException if the call is shed
	 */
	Promise allow();

	/**
	 * Returns this shedder's name, carried by its {@link OverloadException}s, logs and metrics.
	 * @return the name; by default the simple name of the class
	 */
	default String name() {
		return getClass().getSimpleName();
	}

}
