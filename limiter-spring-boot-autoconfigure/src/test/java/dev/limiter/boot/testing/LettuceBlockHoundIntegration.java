package dev.limiter.boot.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets BlockHound pass Lettuce's own writer lock, which every command takes for a counter update (and Lettuce's
 * I/O thread exclusively when a connection becomes active): it parks a thread only while another holds it for
 * those few instructions. Besides, Lettuce 7 calls {@code SharedLock.incrementWriters()} inside the {@code try}
 * whose {@code finally} calls {@code decrementWriters()}: a {@code BlockingOperationError} thrown from its
 * {@code lock()} leaves the writer count at -1, after which every command on that connection waits forever. Loaded
 * by every {@code BlockHound.install} of these tests through {@code META-INF/services}.
 */
public final class LettuceBlockHoundIntegration implements BlockHoundIntegration {

	private static final String SHARED_LOCK = "io.lettuce.core.protocol.SharedLock";

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside(SHARED_LOCK, "incrementWriters");
		builder.allowBlockingCallsInside(SHARED_LOCK, "doExclusive");
	}

}
