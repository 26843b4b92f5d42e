package dev.limiter.core.bucket;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * An output stream whose bytes cost one token each from a {@link QuantumBucket}, limiting the bytes per second that
 * can be written through it (juju's {@code ratelimit.Writer}).
 *
 * <p>Each write first waits, on the bucket's clock, for as many tokens as bytes are to be written, and then writes
 * them to the underlying stream in one call; a write of 0 bytes neither waits nor costs anything. A write larger
 * than the bucket's capacity is allowed and simply waits longer.
 *
 * <p>If the thread is interrupted before or while waiting, nothing is written, the interrupt flag is set again and
 * an {@link InterruptedIOException} is thrown (with {@code bytesTransferred} 0). Tokens taken by a write interrupted
 * while waiting stay taken, as juju's takes are irrevocable. Thread-safety is that of the underlying stream; the
 * bucket may be shared by many streams to limit their total.
 */
public final class ThrottledOutputStream extends FilterOutputStream {

	private final QuantumBucket bucket;

	/**
	 * Wraps a stream.
	 * @param out the stream to write to
	 * @param bucket the bucket that pays for each byte written, one token per byte
	 */
	public ThrottledOutputStream(OutputStream out, QuantumBucket bucket) {
		super(Objects.requireNonNull(out, "out must not be null"));
		this.bucket = Objects.requireNonNull(bucket, "bucket must not be null");
	}

	@Override
	public void write(int value) throws IOException {
		pay(1);
		this.out.write(value);
	}

	@Override
	public void write(byte[] buffer, int offset, int length) throws IOException {
		Objects.checkFromIndexSize(offset, length, buffer.length);
		if (length > 0) {
			pay(length);
		}
		this.out.write(buffer, offset, length);
	}

	/** The bytes are written after the wait: an interrupted wait reports none transferred. */
	private void pay(long bytes) throws InterruptedIOException {
		StreamThrottle.pay(this.bucket, bytes, "write", 0);
	}

}
