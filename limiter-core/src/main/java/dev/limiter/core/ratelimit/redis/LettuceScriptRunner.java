package dev.limiter.core.ratelimit.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Runs scripts through the asynchronous Lettuce connection behind a Spring Data Redis connection (standalone,
 * sentinel or cluster, where Lettuce routes by the key's slot), so that every decision waits at most the store's
 * timeout whatever the driver's own timeouts are, connecting included.
 */
final class LettuceScriptRunner implements ScriptRunner {

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimitStore.class);

	/*
	 * Connecting may block for the driver's connect timeout (a server that accepts and never answers), so it runs on
	 * its own thread, one attempt at a time: the attempt is a future shared by every decision. A decision waits for a
	 * pending attempt only until its own deadline, then fails ("not connected yet") and follows the failure policy.
	 * A failed attempt is replaced by the next decision or probe that needs a connection; so is a connection found
	 * closed (its factory was stopped, reset or destroyed).
	 */

	private final RedisConnectionFactory factory;

	private final AtomicReference<CompletableFuture<Connection>> connection = new AtomicReference<>();

	private volatile boolean closed;

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
		long deadline = System.nanoTime() + timeoutNanos;
		Connection current = connection(deadline);
		byte[][] keys = { key };
		RedisFuture<List<Object>> reply;
		try {
			reply = current.commands.evalsha(script.sha(), ScriptOutputType.MULTI, keys, args);
		}
		catch (RuntimeException ex) {
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

	/**
	 * Starts connecting when the factory is running already; a factory still starting (an application context being
	 * refreshed) is connected to by the first decision instead.
	 */
	@Override
	public void connect() {
		if (this.factory instanceof LettuceConnectionFactory lettuce && lettuce.isRunning()
				&& this.connection.get() == null) {
			connect(null);
		}
	}

	@Override
	public void ping(long timeoutNanos) throws Exception {
		long deadline = System.nanoTime() + timeoutNanos;
		Connection current = connection(deadline);
		RedisFuture<String> reply;
		try {
			reply = current.commands.ping();
		}
		catch (RuntimeException ex) {
			invalidate(current);
			throw ex;
		}
		await(reply, deadline);
	}

	private static <T> T await(RedisFuture<T> reply, long deadline) throws Exception {
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

	/**
	 * Returns the open connection, waiting until the deadline at most for an attempt in flight; starts an attempt
	 * when there is none.
	 */
	private Connection connection(long deadline) throws Exception {
		CompletableFuture<Connection> attempt = this.connection.get();
		if (attempt == null || attempt.isCompletedExceptionally()) {
			attempt = connect(attempt);
		}
		Connection current = attempt.getNow(null);
		if (current != null) {
			if (!current.isClosed()) {
				return current;
			}
			invalidate(current);
			attempt = connect(null);
		}
		try {
			return attempt.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			throw new TimeoutException("Not connected to Redis yet");
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof Exception cause) {
				throw cause;
			}
			throw ex;
		}
	}

	/** Starts a connect attempt in place of {@code previous} (none, or a failed one), unless another thread did. */
	private CompletableFuture<Connection> connect(CompletableFuture<Connection> previous) {
		if (this.closed) {
			return CompletableFuture.failedFuture(new IllegalStateException("Redis rate limit store closed"));
		}
		CompletableFuture<Connection> attempt = new CompletableFuture<>();
		if (!this.connection.compareAndSet(previous, attempt)) {
			CompletableFuture<Connection> other = this.connection.get();
			return (other != null) ? other : connect(null);
		}
		Thread connecting = new Thread(() -> {
			try {
				attempt.complete(open());
			}
			catch (Throwable ex) {
				logger.debug("Connecting to Redis failed", ex);
				attempt.completeExceptionally(ex);
			}
		}, "limiter-redis-connect");
		connecting.setDaemon(true);
		connecting.start();
		attempt.thenAccept((opened) -> {
			if (this.closed) {
				opened.close();
			}
		});
		return attempt;
	}

	@SuppressWarnings("unchecked")
	private Connection open() {
		RedisConnection redisConnection = this.factory.getConnection();
		try {
			Object commands = redisConnection.getNativeConnection();
			Object stateful = (commands instanceof RedisAsyncCommands<?, ?> standalone)
					? standalone.getStatefulConnection()
					: (commands instanceof RedisAdvancedClusterAsyncCommands<?, ?> cluster)
							? cluster.getStatefulConnection() : null;
			return new Connection(redisConnection, (RedisClusterAsyncCommands<byte[], byte[]>) commands,
					(stateful instanceof RedisChannelHandler<?, ?> handler) ? handler : null);
		}
		catch (RuntimeException ex) {
			redisConnection.close();
			throw ex;
		}
	}

	/**
	 * Drops a connection that refused a command: submitting fails only on a connection closed under us (the
	 * factory was stopped, reset or destroyed), so the next call connects again.
	 */
	private void invalidate(Connection stale) {
		CompletableFuture<Connection> attempt = this.connection.get();
		if (attempt != null && attempt.getNow(null) == stale && this.connection.compareAndSet(attempt, null)) {
			stale.close();
		}
	}

	@Override
	public void close() {
		this.closed = true;
		CompletableFuture<Connection> attempt = this.connection.getAndSet(null);
		if (attempt != null) {
			attempt.thenAccept(Connection::close);
		}
	}

	/**
	 * A Spring Data Redis connection kept open for the store's life, its native asynchronous commands and, where
	 * known, the Lettuce connection that tells whether it was closed (not merely disconnected and reconnecting).
	 */
	private record Connection(RedisConnection connection, RedisClusterAsyncCommands<byte[], byte[]> commands,
			RedisChannelHandler<?, ?> handler) {

		boolean isClosed() {
			return this.handler != null && this.handler.isClosed();
		}

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
