package dev.limiter.sample;

import org.springframework.stereotype.Component;

/**
 * A simulated downstream service whose failures are switched on and off through
 * {@code POST /downstream/failures?enabled=true|false}. Thread-safe.
 */
@Component
public class FlakyDownstream {

	private volatile boolean failing;

	/**
	 * Calls the downstream service.
	 * @return its answer
	 * @throws DownstreamException while failures are switched on
	 */
	public String call() {
		if (this.failing) {
			throw new DownstreamException("the downstream service failed (failures are switched on)");
		}
		return "downstream answered\n";
	}

	/**
	 * Switches failures on or off.
	 * @param failing whether every call fails from now on
	 */
	public void setFailing(boolean failing) {
		this.failing = failing;
	}

	/**
	 * Returns whether failures are switched on.
	 * @return whether calls fail
	 */
	public boolean isFailing() {
		return this.failing;
	}

	/** A failed call of the downstream service. */
	public static class DownstreamException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		DownstreamException(String message) {
			super(message);
		}

	}

}
