package dev.limiter.core.shedding;

import java.util.Objects;

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
	 * Asks to start one call of the given priority. By default the priority is ignored and this is
	 * {@link #allow()}: shedders without priorities (such as the CPU-driven {@link AdaptiveShedder}) treat critical
	 * and sheddable calls alike. Shedders with a limit on calls in flight refuse sheddable calls below it (see
	 * {@link Priority#SHEDDABLE}).
	 * @param priority the call's priority
	 * @return the promise to complete once the call has finished
	 * @throws OverloadException if the call is shed
	 * @throws NullPointerException if the priority is {@code null}
	 */
	default Promise allow(Priority priority) {
		Objects.requireNonNull(priority, "priority must not be null");
		return allow();
	}

	/**
	 * Returns this shedder's name, carried by its {@link OverloadException}s, logs and metrics.
	 * @return the name; by default the simple name of the class
	 */
	default String name() {
		return getClass().getSimpleName();
	}

}
