package dev.limiter.core.breaker;

/**
 * What an operator can do to a circuit breaker, whatever its algorithm: override its decisions until released, or
 * start it afresh. {@link SreBreaker} and {@link ThresholdBreaker} implement it; each control replaces the previous
 * one, and {@link #reset()} ends any of them.
 */
public interface BreakerControls {

	/** Drops every call until {@link #reset()} or another control; outcomes are not recorded meanwhile. */
	void forceOpen();

	/** Permits every call, still recording outcomes, until {@link #reset()} or another control. */
	void forceClosed();

	/** Permits every call and records nothing, until {@link #reset()} or another control. */
	void disable();

	/** Ends any control and returns the breaker to {@link BreakerState#CLOSED} with no recorded outcome. */
	void reset();

}
