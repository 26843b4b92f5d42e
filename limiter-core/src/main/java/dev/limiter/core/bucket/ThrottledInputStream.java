package dev.limiter.core.bucket;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;

/**
 * An input stream whose bytes cost one token each from a {@link QuantumBucket}, limiting the bytes per second that
 * can be read through it (juju's {@code ratelimit.Reader}).
 *
 * <p>Each read first reads from the underlying stream and then waits, on the bucket's clock, for as many tokens as
 * bytes were read; end of stream and reads of 0 bytes cost nothing. So a read returns at once while the bucket has
 * tokens, and a caller reading faster than the bucket refills is slowed to its rate. Skipped bytes cost tokens as
 * read ones do; bytes read again after {@link #reset()} cost again. A read larger than the bucket's capacity is
 * allowed and simply waits longer; reads no larger than the capacity give a smoother flow.
 *
 * <p>If the thread is interrupted while waiting, the interrupt flag is set again and an
 * {@link InterruptedIOException} is thrown whose {@code bytesTransferred} is the number of bytes already read into
 * the caller's buffer (they are charged). Thread-safety is that of the underlying stream; the bucket may be shared
 * by many streams to limit their total.
 */
public final class ThrottledInputStream extends FilterInputStream {

	private final QuantumBucket bucket;

	/**
	 * Wraps a stream.
	 * @param in the stream to read from
	 * @param bucket the bucket that pays for each byte read, one token per byte
	 */
	public ThrottledInputStream(InputStream in, QuantumBucket bucket) {
		super(Objects.requireNonNull(in, "in must not be null"));
		this.bucket = Objects.requireNonNull(bucket, "bucket must not be null");
	}

	@Override
	public int read() throws IOException {
		int value = this.in.read();
		if (value >= 0) {
			pay(1);
		}
		return value;
	}

	@Override
	public int read(byte[] buffer, int offset, int length) throws IOException {
		int count = this.in.read(buffer, offset, length);
		if (count > 0) {
			pay(count);
		}
		return count;
	}

	@Override
	public long skip(long n) throws IOException {
		long skipped = this.in.skip(n);
		if (skipped > 0) {
			pay(skipped);
		}
		return skipped;
	}

	/** The bytes were read into the caller's buffer already: an interrupted wait reports them transferred. */
	private void pay(long bytes) throws InterruptedIOException {
		StreamThrottle.pay(this.bucket, bytes, "read", (int) Math.min(bytes, Integer.MAX_VALUE));
	}

}
