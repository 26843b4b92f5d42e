package dev.limiter.core.ratelimit.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs one of the store's scripts on one key in a single round trip, re-sending the script on {@code NOSCRIPT}. */
interface ScriptRunner extends AutoCloseable {

	/**
	 * Runs the script by its SHA ({@code EVALSHA}); when Redis does not know it ({@code NOSCRIPT}, e.g. after a
	 * restart, a failover or {@code SCRIPT FLUSH}) sends it whole ({@code EVAL}), which also caches it again.
	 * @param script the script
	 * @param key the single key
	 * @param args the arguments
	 * @param timeoutNanos how long to wait at most, where the driver allows it
	 * @return the script's reply, a list of integers
	 * @throws Exception when Redis fails, answers with an error or takes longer than the timeout
	 */
	List<Object> run(LuaScript script, byte[] key, byte[][] args, long timeoutNanos) throws Exception;

	/**
	 * Runs the script as {@link #run} does without waiting for the reply: the future completes with the reply, or
	 * exceptionally when Redis fails, answers with an error or (where the driver allows it) takes longer than the
	 * timeout. The default, for synchronous drivers, runs {@link #run} on the caller's thread.
	 * @param script the script
	 * @param key the single key
	 * @param args the arguments
	 * @param timeoutNanos how long to wait at most, where the driver allows it
	 * @return the script's reply, a list of integers
	 */
	default CompletableFuture<List<Object>> runAsync(LuaScript script, byte[] key, byte[][] args, long timeoutNanos) {
		try {
			return CompletableFuture.completedFuture(run(script, key, args, timeoutNanos));
		}
		catch (Exception ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/** Starts connecting in the background, where the runner keeps a connection; returns at once. */
	default void connect() {
	}

	/**
	 * Checks that Redis answers ({@code PING}), for the store's background probe while Redis is unavailable.
	 * @param timeoutNanos how long to wait at most, where the driver allows it
	 * @throws Exception when Redis fails or takes longer than the timeout
	 */
	void ping(long timeoutNanos) throws Exception;

	@Override
	void close();

}
