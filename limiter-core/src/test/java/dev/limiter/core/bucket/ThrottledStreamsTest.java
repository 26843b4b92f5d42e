package dev.limiter.core.bucket;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests of {@link ThrottledInputStream} and {@link ThrottledOutputStream}, the semantics of juju/ratelimit's
 * {@code reader.go}: a reader reads first and then waits for the bytes read, a writer waits before writing. The
 * bucket (1,000 bytes per second, capacity 100) runs on a {@link ManualClock}, so the clock shows the time the
 * bytes cost.
 */
class ThrottledStreamsTest {

	private static final long MS = 1_000_000L;

	private final ManualClock clock = new ManualClock();

	private final QuantumBucket bucket = QuantumBucket.of(Duration.ofMillis(1), 100, 1, this.clock);

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@Test
	void readingCostsOneMillisecondPerByteBeyondTheCapacity() throws IOException {
		RecordingInputStream source = new RecordingInputStream(new byte[1000]);
		try (InputStream in = new ThrottledInputStream(source, this.bucket)) {
			byte[] buffer = new byte[100];
			int total = 0;
			int count;
			while ((count = in.read(buffer, 0, buffer.length)) > 0) {
				total += count;
			}
			assertThat(total).isEqualTo(1000);
		}
		assertThat(this.clock.nanoTime()).isEqualTo(900 * MS);
		// each read of the source happens before the wait for the previous bytes is over: read, then pay
		assertThat(source.readTimes).containsExactly(0L, 0L, 100 * MS, 200 * MS, 300 * MS, 400 * MS, 500 * MS,
				600 * MS, 700 * MS, 800 * MS, 900 * MS);
	}

	@Test
	void writingWaitsBeforeTheBytesAreWritten() throws IOException {
		RecordingOutputStream sink = new RecordingOutputStream();
		try (OutputStream out = new ThrottledOutputStream(sink, this.bucket)) {
			for (int i = 0; i < 10; i++) {
				out.write(new byte[100]);
			}
		}
		assertThat(sink.bytes.size()).isEqualTo(1000);
		assertThat(this.clock.nanoTime()).isEqualTo(900 * MS);
		assertThat(sink.writeTimes).containsExactly(0L, 100 * MS, 200 * MS, 300 * MS, 400 * MS, 500 * MS, 600 * MS,
				700 * MS, 800 * MS, 900 * MS);
	}

	@Test
	void singleBytesCostOneTokenEach() throws IOException {
		ByteArrayOutputStream sink = new ByteArrayOutputStream();
		try (InputStream in = new ThrottledInputStream(new ByteArrayInputStream(new byte[150]), this.bucket)) {
			for (int i = 0; i < 150; i++) {
				assertThat(in.read()).isZero();
			}
			assertThat(this.clock.nanoTime()).isEqualTo(50 * MS);
			try (OutputStream out = new ThrottledOutputStream(sink, this.bucket)) {
				for (int i = 0; i < 20; i++) {
					out.write(i);
				}
			}
		}
		assertThat(sink.size()).isEqualTo(20);
		assertThat(this.clock.nanoTime()).isEqualTo(70 * MS);
	}

	@Test
	void endOfStreamAndEmptyTransfersCostNothing() throws IOException {
		this.bucket.take(100);
		ByteArrayOutputStream sink = new ByteArrayOutputStream();
		try (InputStream empty = new ThrottledInputStream(new ByteArrayInputStream(new byte[0]), this.bucket);
				InputStream in = new ThrottledInputStream(new ByteArrayInputStream(new byte[5]), this.bucket);
				OutputStream out = new ThrottledOutputStream(sink, this.bucket)) {
			assertThat(empty.read()).isEqualTo(-1);
			assertThat(empty.read(new byte[10], 0, 10)).isEqualTo(-1);
			assertThat(in.read(new byte[10], 0, 0)).isZero();
			out.write(new byte[10], 3, 0);
			out.write(new byte[0]);
		}
		assertThat(this.clock.nanoTime()).isZero();
		assertThat(this.bucket.available()).isZero();
	}

	@Test
	void aWriteLargerThanTheCapacityWaitsForAllItsBytes() throws IOException {
		RecordingOutputStream sink = new RecordingOutputStream();
		try (OutputStream out = new ThrottledOutputStream(sink, this.bucket)) {
			out.write(new byte[250], 0, 250);
		}
		assertThat(sink.writeTimes).containsExactly(150 * MS);
		assertThat(sink.bytes.size()).isEqualTo(250);
	}

	@Test
	void skippedAndTransferredBytesCostToo() throws IOException {
		ByteArrayOutputStream sink = new ByteArrayOutputStream();
		try (InputStream in = new ThrottledInputStream(new ByteArrayInputStream(new byte[500]), this.bucket)) {
			assertThat(in.skip(200)).isEqualTo(200);
			assertThat(this.clock.nanoTime()).isEqualTo(100 * MS);
			assertThat(in.transferTo(sink)).isEqualTo(300);
		}
		assertThat(this.clock.nanoTime()).isEqualTo(400 * MS);
	}

	@Test
	void anInterruptedWriteWritesNothingAndKeepsTheInterrupt() {
		RecordingOutputStream sink = new RecordingOutputStream();
		OutputStream out = new ThrottledOutputStream(sink, this.bucket);
		Thread.currentThread().interrupt();
		assertThatThrownBy(() -> out.write(new byte[10])).isInstanceOf(InterruptedIOException.class)
			.satisfies((ex) -> assertThat(((InterruptedIOException) ex).bytesTransferred).isZero());
		assertThat(Thread.currentThread().isInterrupted()).isTrue();
		assertThat(sink.bytes.size()).isZero();
		Thread.interrupted();
		assertThatThrownBy(() -> {
			Thread.currentThread().interrupt();
			out.write(1);
		}).isInstanceOf(InterruptedIOException.class);
		assertThat(Thread.interrupted()).isTrue();
		assertThat(sink.bytes.size()).isZero();
	}

	@Test
	void anInterruptedReadReportsTheBytesAlreadyReadAndKeepsTheInterrupt() {
		InputStream in = new ThrottledInputStream(new ByteArrayInputStream(new byte[] { 1, 2, 3, 4 }), this.bucket);
		byte[] buffer = new byte[4];
		Thread.currentThread().interrupt();
		assertThatThrownBy(() -> in.read(buffer, 0, 4)).isInstanceOf(InterruptedIOException.class)
			.satisfies((ex) -> assertThat(((InterruptedIOException) ex).bytesTransferred).isEqualTo(4));
		assertThat(Thread.interrupted()).isTrue();
		assertThat(buffer).containsExactly(1, 2, 3, 4);
	}

	@Test
	void writeChecksTheBufferBounds() {
		OutputStream out = new ThrottledOutputStream(new ByteArrayOutputStream(), this.bucket);
		assertThatThrownBy(() -> out.write(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
		assertThat(this.bucket.available()).isEqualTo(100);
	}

	/** Records the clock time of each read of the underlying stream. */
	private final class RecordingInputStream extends ByteArrayInputStream {

		private final List<Long> readTimes = new ArrayList<>();

		RecordingInputStream(byte[] bytes) {
			super(bytes);
		}

		@Override
		public synchronized int read(byte[] buffer, int offset, int length) {
			this.readTimes.add(ThrottledStreamsTest.this.clock.nanoTime());
			return super.read(buffer, offset, length);
		}

	}

	/** Records the clock time of each write to the underlying stream. */
	private final class RecordingOutputStream extends OutputStream {

		private final List<Long> writeTimes = new ArrayList<>();

		private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

		@Override
		public void write(int value) {
			this.writeTimes.add(ThrottledStreamsTest.this.clock.nanoTime());
			this.bytes.write(value);
		}

		@Override
		public void write(byte[] buffer, int offset, int length) {
			this.writeTimes.add(ThrottledStreamsTest.this.clock.nanoTime());
			this.bytes.write(buffer, offset, length);
		}

	}

}
