package dev.limiter.core.ratelimit.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

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
 * timeout whatever the driver's own timeouts are, connecting included. An asynchronous call waits for nothing: its
 * timeout is a task on a timer thread of the runner's own, and its reply completes it on Lettuce's I/O thread.
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

	private final ScheduledThreadPoolExecutor timer = RedisRateLimitStore.daemonScheduler("limiter-redis-timeout");

	private volatile boolean closed;

	LettuceScriptRunner(RedisConnectionFactory factory) {
		this.factory = factory;
		// A reply cancels its timeout on Lettuce's I/O thread: a cancelled timeout stays queued until it is due (at
		// most the store's timeout), so that cancelling takes no lock there (removing would take the queue's lock,
		// which threads scheduling new timeouts hold, and park an event loop for a moment).
		this.timer.setRemoveOnCancelPolicy(false);
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

	@Override
	public CompletableFuture<List<Object>> runAsync(LuaScript script, byte[] key, byte[][] args, long timeoutNanos) {
		Call call = new Call(script, key, args);
		try {
			Timeout timeout = new Timeout(call);
			call.timeout = timeout;
			timeout.scheduled = this.timer.schedule(timeout, timeoutNanos, TimeUnit.NANOSECONDS);
			CompletableFuture<Connection> attempt = attempt();
			if (attempt.isDone() && !attempt.isCompletedExceptionally()) {
				call.send(attempt.join());
			}
			else {
				attempt.whenComplete((current, ex) -> {
					if (ex != null) {
						call.failed(ex);
					}
					else {
						call.send(current);
					}
				});
			}
		}
		catch (RuntimeException ex) {
			// the timer is shut down (the runner is closed)
			call.failed(ex);
		}
		return call;
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
		CompletableFuture<Connection> attempt = attempt();
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

	/**
	 * Returns the connect attempt to use, without waiting: the open connection's, or one in flight, started when
	 * there was none, the last failed or its connection was found closed.
	 */
	private CompletableFuture<Connection> attempt() {
		CompletableFuture<Connection> attempt = this.connection.get();
		if (attempt == null || attempt.isCompletedExceptionally()) {
			attempt = connect(attempt);
		}
		Connection current = attempt.isCompletedExceptionally() ? null : attempt.getNow(null);
		if (current != null && current.isClosed()) {
			invalidate(current);
			attempt = connect(null);
		}
		return attempt;
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
		// not shutdownNow(): the timeouts of calls in flight still run (the executor keeps delayed tasks after
		// shutdown), so a call that Redis never answers completes by its timeout, its caller by the failure policy
		this.timer.shutdown();
		CompletableFuture<Connection> attempt = this.connection.getAndSet(null);
		if (attempt != null) {
			attempt.thenAccept(Connection::close);
		}
	}

	/**
	 * One asynchronous script call, completed by the first of its reply (Lettuce's I/O thread) and its timeout (the
	 * runner's timer), whichever comes first; the timeout cancels the command, the reply the timeout. On
	 * {@code NOSCRIPT} the script is sent whole, once.
	 */
	private final class Call extends CompletableFuture<List<Object>>
			implements Runnable, BiConsumer<List<Object>, Throwable> {

		private final LuaScript script;

		private final byte[][] keys;

		private final byte[][] args;

		volatile Timeout timeout;

		private volatile Future<?> reply;

		private volatile Connection connection;

		private boolean evaluated;

		Call(LuaScript script, byte[] key, byte[][] args) {
			this.script = script;
			this.keys = new byte[][] { key };
			this.args = args;
		}

		void send(Connection current) {
			if (isDone()) {
				// timed out while connecting
				return;
			}
			this.connection = current;
			RedisFuture<List<Object>> sent;
			try {
				sent = current.commands.evalsha(this.script.sha(), ScriptOutputType.MULTI, this.keys, this.args);
			}
			catch (RuntimeException ex) {
				invalidate(current);
				failed(ex);
				return;
			}
			this.reply = sent;
			sent.whenComplete(this);
		}

		/** Completes with the reply, or sends the script whole once when Redis does not know it. */
		@Override
		public void accept(List<Object> value, Throwable ex) {
			if (ex == null) {
				cancelTimeout();
				complete(value);
				return;
			}
			Throwable cause = unwrap(ex);
			if (cause instanceof RedisNoScriptException && !this.evaluated && !isDone()) {
				this.evaluated = true;
				RedisFuture<List<Object>> sent;
				try {
					sent = this.connection.commands.eval(this.script.body(), ScriptOutputType.MULTI, this.keys,
							this.args);
				}
				catch (RuntimeException failure) {
					failed(failure);
					return;
				}
				this.reply = sent;
				sent.whenComplete(this);
				return;
			}
			failed(cause);
		}

		/** The timeout. */
		@Override
		public void run() {
			if (completeExceptionally(new TimeoutException("Redis did not answer within the timeout"))) {
				Future<?> sent = this.reply;
				if (sent != null) {
					sent.cancel(false);
				}
			}
		}

		void failed(Throwable ex) {
			cancelTimeout();
			completeExceptionally(unwrap(ex));
		}

		private static Throwable unwrap(Throwable ex) {
			return (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
		}

		private void cancelTimeout() {
			Timeout scheduled = this.timeout;
			if (scheduled != null) {
				scheduled.cancel();
			}
		}

	}

	/**
	 * The timer's task for one call. It holds the call only until the call completes: a cancelled timeout stays
	 * queued until it is due (see the constructor) and then keeps nothing of the call, its key or its reply.
	 */
	private static final class Timeout implements Runnable {

		private volatile Call call;

		volatile ScheduledFuture<?> scheduled;

		Timeout(Call call) {
			this.call = call;
		}

		@Override
		public void run() {
			Call pending = this.call;
			if (pending != null) {
				pending.run();
			}
		}

		/** Lets go of the call and cancels the task, which stays queued until due but takes no lock. */
		void cancel() {
			this.call = null;
			ScheduledFuture<?> task = this.scheduled;
			if (task != null) {
				task.cancel(false);
			}
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
