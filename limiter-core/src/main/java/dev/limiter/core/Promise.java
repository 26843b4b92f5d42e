package dev.limiter.core;

/**
 * The caller's report of how a permitted call went, returned by a breaker's or a shedder's {@code allow()}.
 *
 * <p>Call exactly one of {@link #accept()} or {@link #reject(String)} once the call has finished: the breaker or
 * shedder learns from it. A promise that is never completed is counted neither way.
 */
public interface Promise {

	/** Reports that the call succeeded (or failed in a way that says nothing about the protected resource). */
	void accept();

	/**
	 * Reports that the call failed.
	 * @param reason a short description of the failure, for logs
	 */
	void reject(String reason);

}
