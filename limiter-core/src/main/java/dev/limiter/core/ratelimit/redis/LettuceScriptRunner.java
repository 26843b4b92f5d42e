package dev.limiter.core.ratelimit.redis;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Runs scripts through the asynchronous Lettuce connection behind a Spring Data Redis connection (standalone,
 * sentinel or cluster, where Lettuce routes by the key's slot), so that every decision waits at most the store's
 * timeout whatever the driver's own command timeout is.
 */
final class LettuceScriptRunner implements ScriptRunner {

	private final RedisConnectionFactory factory;

	private volatile Connection connection;

	LettuceScriptRunner(RedisConnectionFactory factory) {
		this.factory = factory;
	}

	/**
	 * Returns whether the factory is backed by Lettuce; call only when Lettuce is on the class path.
	 * @param factory the factory
	 * @return whether this runner can use it
	 */
	static boolean supports(RedisConnectionFactory factory) {
		return factory instanceof LettuceConnectionFactory;
	}

	@Override
	public List<Object> run(LuaScript script, byte[] key, byte[][] args, long timeoutNanos) throws Exception {
		// connecting (once, bounded by the driver's connect timeout) is not part of a decision's time
		Connection current = connection();
		long deadline = System.nanoTime() + timeoutNanos;
		byte[][] keys = { key };
		RedisFuture<List<Object>> reply;
		try {
			reply = current.commands.evalsha(script.sha(), ScriptOutputType.MULTI, keys, args);
		}
		catch (RuntimeException ex) {
			// submitting fails only on a connection closed under us (the factory was reset or destroyed): fetch a
			// new one on the next call
			invalidate(current);
			throw ex;
		}
		try {
			return await(reply, deadline);
		}
		catch (RedisNoScriptException ex) {
			return await(current.commands.eval(script.body(), ScriptOutputType.MULTI, keys, args), deadline);
		}
	}

	private static List<Object> await(RedisFuture<List<Object>> reply, long deadline) throws Exception {
		try {
			return reply.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			reply.cancel(false);
			throw ex;
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof Exception cause) {
				throw cause;
			}
			throw ex;
		}
	}

	@SuppressWarnings("unchecked")
	private Connection connection() {
		Connection current = this.connection;
		if (current == null) {
			synchronized (this) {
				current = this.connection;
				if (current == null) {
					RedisConnection redisConnection = this.factory.getConnection();
					try {
						current = new Connection(redisConnection,
								(RedisClusterAsyncCommands<byte[], byte[]>) redisConnection.getNativeConnection());
					}
					catch (RuntimeException ex) {
						redisConnection.close();
						throw ex;
					}
					this.connection = current;
				}
			}
		}
		return current;
	}

	private synchronized void invalidate(Connection stale) {
		if (this.connection == stale) {
			this.connection = null;
			stale.close();
		}
	}

	@Override
	public synchronized void close() {
		Connection current = this.connection;
		this.connection = null;
		if (current != null) {
			current.close();
		}
	}

	/** A Spring Data Redis connection kept open for the store's life and its native asynchronous commands. */
	private record Connection(RedisConnection connection, RedisClusterAsyncCommands<byte[], byte[]> commands) {

		void close() {
			try {
				this.connection.close();
			}
			catch (RuntimeException ex) {
				// closing a broken connection may fail; it is dropped either way
			}
		}

	}

}
