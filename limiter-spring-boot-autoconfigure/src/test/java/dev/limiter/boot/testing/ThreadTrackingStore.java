package dev.limiter.boot.testing;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import org.jspecify.annotations.Nullable;

/**
 * A test store deciding as {@link CountingStore} does, which records the threads its asynchronous decisions are asked
 * and answered on: either a store that may block (it says so, and answers in place, as Redis over Jedis or a store
 * that does not override {@code acquireAsync}), or one that never blocks and answers later from a thread of its own
 * (as Redis over Lettuce answers on its I/O thread).
 */
public final class ThreadTrackingStore implements RateLimitStore {

	private final CountingStore counts = new CountingStore();

	private final @Nullable String answeringThread;

	private final List<String> askedOn = new CopyOnWriteArrayList<>();

	private final List<String> answeredOn = new CopyOnWriteArrayList<>();

	private ThreadTrackingStore(@Nullable String answeringThread) {
		this.answeringThread = answeringThread;
	}

	/**
	 * Returns a store that may block: it answers on the thread that asks.
	 * @return the store
	 */
	public static ThreadTrackingStore mayBlock() {
		return new ThreadTrackingStore(null);
	}

	/**
	 * Returns a store that never blocks and answers each asynchronous decision from a new thread of the given name.
	 * @param threadName the name of the answering threads
	 * @return the store
	 */
	public static ThreadTrackingStore answeringOn(String threadName) {
		return new ThreadTrackingStore(threadName);
	}

	@Override
	public Decision acquire(String key, LimitSpec spec, int permits) {
		return this.counts.acquire(key, spec, permits);
	}

	@Override
	public CompletionStage<Decision> acquireAsync(String key, LimitSpec spec, int permits) {
		this.askedOn.add(Thread.currentThread().getName());
		if (this.answeringThread == null) {
			this.answeredOn.add(Thread.currentThread().getName());
			return CompletableFuture.completedFuture(this.counts.acquire(key, spec, permits));
		}
		CompletableFuture<Decision> decision = new CompletableFuture<>();
		Thread caller = Thread.currentThread();
		Thread io = new Thread(() -> {
			// answers once the caller has moved on (it waits for the result), so that the answer is always later
			// than the caller's look at whether it is done, however the threads are scheduled
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!waiting(caller) && System.nanoTime() < deadline) {
				Thread.onSpinWait();
			}
			this.answeredOn.add(Thread.currentThread().getName());
			decision.complete(this.counts.acquire(key, spec, permits));
		}, this.answeringThread);
		io.setDaemon(true);
		io.start();
		return decision;
	}

	@Override
	public boolean decidesAsyncWithoutBlocking() {
		return this.answeringThread != null;
	}

	/**
	 * Returns the names of the threads that asked for asynchronous decisions, in order.
	 * @return the thread names
	 */
	public List<String> askedOn() {
		return this.askedOn;
	}

	/**
	 * Returns the names of the threads that answered asynchronous decisions, in order.
	 * @return the thread names
	 */
	public List<String> answeredOn() {
		return this.answeredOn;
	}

	/**
	 * Returns how many permits a key has used.
	 * @param key the store's key
	 * @return the permits used
	 */
	public long used(String key) {
		return this.counts.used(key);
	}

	private static boolean waiting(Thread thread) {
		Thread.State state = thread.getState();
		return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.TERMINATED;
	}

}
