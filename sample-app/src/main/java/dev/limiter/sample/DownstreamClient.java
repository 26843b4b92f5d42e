package dev.limiter.sample;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.core.breaker.BreakerOpenException;

import org.springframework.stereotype.Service;

/**
 * Calls the {@link FlakyDownstream} through the {@code downstream} circuit breaker, in two flavours: with a fallback
 * answer while the breaker is open, and without one (the {@link BreakerOpenException} becomes a 503).
 */
@Service
public class DownstreamClient {

	private final FlakyDownstream downstream;

	DownstreamClient(FlakyDownstream downstream) {
		this.downstream = downstream;
	}

	/**
	 * Calls the downstream service; while the breaker is open, answers from {@link #fallback(Throwable)}.
	 * @return the downstream's answer or the fallback's
	 */
	@CircuitBreaker(name = "downstream", fallbackMethod = "fallback")
	public String fetch() {
		return this.downstream.call();
	}

	/**
	 * Calls the downstream service; while the breaker is open, throws {@link BreakerOpenException}.
	 * @return the downstream's answer
	 */
	@CircuitBreaker(name = "downstream")
	public String fetchWithoutFallback() {
		return this.downstream.call();
	}

	/**
	 * Answers instead of the downstream service while the breaker is open.
	 * @param ex why the call was dropped
	 * @return the fallback answer
	 */
	public String fallback(Throwable ex) {
		return "fallback answer (" + ex.getMessage() + ")\n";
	}

}
