package dev.limiter.core.breaker;

import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.limiter.core.Promise;

/**
 * A circuit breaker: it watches the outcomes of calls to a dependency and drops calls while the dependency fails,
 * so that a failing dependency is not made worse and callers fail fast.
 */
public interface Breaker {

	/**
	 * Returns this breaker's name.
	 * @return the name
	 */
	String name();

	/**
	 * Asks to make one call. On success the caller makes the call and reports its outcome on the returned promise.
	 * @return the promise to complete once the call has finished
	 * @throws BreakerOpenException if the breaker drops the call
	 */
	Promise allow();

	/**
	 * Runs the call through the breaker: a call that throws is a failure.
	 * @param <T> the call's result type
	 * @param call the call
	 * @return the call's result
	 * @throws BreakerOpenException if the breaker drops the call
	 * @throws Exception what the call threw, unchanged
	 */
	default <T> T execute(Callable<T> call) throws Exception {
		return execute(call, null, null);
	}

	/**
	 * Runs the call through the breaker.
	 * @param <T> the call's result type
	 * @param call the call
	 * @param acceptable decides whether an exception thrown by the call still counts as success; {@code null} means
	 * no exception is acceptable. A call that returns normally is always a success.
	 * @param fallback computes the result when the breaker drops the call, given the {@link BreakerOpenException};
	 * {@code null} means the exception is thrown
	 * @return the call's result, or the fallback's
	 * @throws Exception what the call threw, unchanged
	 */
	<T> T execute(Callable<T> call, Predicate<Throwable> acceptable, Function<Throwable, T> fallback)
			throws Exception;

	/**
	 * Returns the breaker's current state.
	 * @return the state
	 */
	BreakerState state();

}
