package dev.limiter.core;

/**
 * The caller's report of how a permitted call went, returned by a breaker's or a shedder's {@code allow()}.
 *
 * <p>Call exactly one of {@link #accept()}, {@link #reject(String)} or {@link #ignore()} once the call has finished:
 * the breaker or shedder learns from it. A promise that is never completed is counted neither way, but may hold
 * what the permit took (an in-flight slot, a half-open probe) until it times out, if ever.
 */
public interface Promise {

	/** Reports that the call succeeded (or failed in a way that says nothing about the protected resource). */
	void accept();

	/**
	 * Reports that the call failed.
	 * @param reason a short description of the failure, for logs
	 */
	void reject(String reason);

	/**
	 * Reports that the call says nothing about the protected resource: another protection refused it (a rate limit,
	 * another breaker, a shedder), or it never ran. What the permit took (an in-flight slot, a half-open probe) is
	 * given back and no outcome is recorded: neither a success nor a failure, and no response time. The breakers and
	 * shedders of this library implement it so; the default reports a success, for implementations that predate it.
	 */
	default void ignore() {
		accept();
	}

}
