package dev.limiter.core.bucket;

import java.io.InterruptedIOException;

/** What the throttled streams share: paying for bytes with tokens, waiting on the bucket's clock. */
final class StreamThrottle {

	private StreamThrottle() {
	}

	/**
	 * Takes one token per byte from {@code bucket}, waiting until they are there.
	 * @param bucket the bucket that pays
	 * @param bytes the bytes to pay for, at least 1
	 * @param operation what is throttled, for the message ({@code "read"}, {@code "write"})
	 * @param bytesTransferred the bytes already transferred, reported if the wait is interrupted
	 * @throws InterruptedIOException if the thread is interrupted while waiting (its interrupt status is set again)
	 */
	static void pay(QuantumBucket bucket, long bytes, String operation, int bytesTransferred)
			throws InterruptedIOException {
		try {
			bucket.await(bytes);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			InterruptedIOException failure = new InterruptedIOException("interrupted while throttling a " + operation);
			failure.bytesTransferred = bytesTransferred;
			throw failure;
		}
	}

}
