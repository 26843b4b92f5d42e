package dev.limiter.boot.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets BlockHound pass the locks a {@code ScheduledThreadPoolExecutor} takes when a cancelled task is removed from
 * it ({@code ThreadPoolExecutor.remove}: its queue's, and once it is shut down its own), as Reactor's own integration
 * does when a task is added or taken: the Redis store's reply, on Lettuce's I/O thread, cancels the call's timeout,
 * which the store's timer (remove-on-cancel) takes out of its queue while callers on other threads put theirs in;
 * each lock is held only for a few instructions. Without it BlockHound fails such a test now and then (seen once in
 * about 30 runs), and its error, thrown from the lock's park, may leave the lock's wait queue broken, so that every
 * later timeout waits forever. Loaded by every {@code BlockHound.install} of these tests through
 * {@code META-INF/services}.
 */
public final class StoreTimerBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("java.util.concurrent.ThreadPoolExecutor", "remove");
	}

}
