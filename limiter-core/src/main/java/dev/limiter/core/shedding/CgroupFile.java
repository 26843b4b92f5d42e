package dev.limiter.core.shedding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A small kernel file (cgroup or procfs) read again and again without allocating: the channel stays open and each
 * read is a positional read from offset 0 into a reused buffer, which makes the kernel regenerate the content.
 *
 * <p>Not thread-safe: owned by the one sampling thread.
 */
final class CgroupFile {

	private final Path path;

	private final ByteBuffer buffer = ByteBuffer.allocate(4096);

	private FileChannel channel;

	CgroupFile(Path path) {
		this.path = path;
	}

	Path path() {
		return this.path;
	}

	/**
	 * Returns the number after {@code key} (a whole word at the start of a line, e.g. {@code usage_usec} in
	 * {@code cpu.stat}), or, when {@code key} is {@code null}, the first number of the file.
	 * @throws IOException if the file cannot be read or holds no such number
	 */
	long readLong(byte[] key) throws IOException {
		int length = read();
		int position = 0;
		if (key != null) {
			position = find(key, length);
			if (position < 0) {
				throw new IOException("No '" + new String(key, StandardCharsets.US_ASCII) + "' in " + this.path);
			}
		}
		return parseLong(position, length);
	}

	/** Returns the whole content, trimmed (allocates; for rarely read files such as {@code cpu.max}). */
	String readString() throws IOException {
		int length = read();
		return new String(this.buffer.array(), 0, length, StandardCharsets.US_ASCII).trim();
	}

	void close() {
		if (this.channel != null) {
			try {
				this.channel.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
			this.channel = null;
		}
	}

	private int read() throws IOException {
		try {
			if (this.channel == null) {
				this.channel = FileChannel.open(this.path, StandardOpenOption.READ);
			}
			this.buffer.clear();
			int total = 0;
			while (this.buffer.hasRemaining()) {
				int count = this.channel.read(this.buffer, total);
				if (count < 0) {
					break;
				}
				total += count;
			}
			return total;
		}
		catch (IOException ex) {
			close();
			throw ex;
		}
	}

	private int find(byte[] key, int length) {
		byte[] bytes = this.buffer.array();
		int lineStart = 0;
		while (lineStart < length) {
			boolean match = lineStart + key.length < length;
			for (int i = 0; match && i < key.length; i++) {
				match = bytes[lineStart + i] == key[i];
			}
			if (match && bytes[lineStart + key.length] == ' ') {
				return lineStart + key.length + 1;
			}
			while (lineStart < length && bytes[lineStart] != '\n') {
				lineStart++;
			}
			lineStart++;
		}
		return -1;
	}

	private long parseLong(int position, int length) throws IOException {
		byte[] bytes = this.buffer.array();
		while (position < length && bytes[position] == ' ') {
			position++;
		}
		boolean negative = position < length && bytes[position] == '-';
		if (negative) {
			position++;
		}
		long value = 0;
		int digits = 0;
		while (position < length && bytes[position] >= '0' && bytes[position] <= '9') {
			value = value * 10 + (bytes[position] - '0');
			position++;
			digits++;
		}
		if (digits == 0) {
			throw new IOException("No number in " + this.path);
		}
		return negative ? -value : value;
	}

}
