package dev.limiter.benchmarks.load;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/**
 * A minimal blocking HTTP/1.1 client that sends one {@code GET} request to one URL over kept-alive connections, for
 * {@link OpenLoopLoad}: the JDK's {@code HttpClient} costs about a millisecond of CPU per request, more than the
 * server under test, which on a small machine caps the load it can offer. Each call runs on the calling thread and
 * borrows an idle connection (or opens one); a connection the server closes, or asks to close, is not reused.
 * Responses are read whole (by {@code Content-Length}, chunked, or to the end of the stream) and only their status is
 * kept. Thread-safe.
 */
final class KeepAliveClient implements Closeable {

	private final InetSocketAddress address;

	private final byte[] request;

	private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

	private final Set<Connection> open = ConcurrentHashMap.newKeySet();

	KeepAliveClient(URI url) {
		int port = (url.getPort() != -1) ? url.getPort() : 80;
		this.address = new InetSocketAddress(url.getHost(), port);
		String path = (url.getRawPath() == null || url.getRawPath().isEmpty()) ? "/" : url.getRawPath();
		if (url.getRawQuery() != null) {
			path += "?" + url.getRawQuery();
		}
		this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port
				+ "\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n")
			.getBytes(StandardCharsets.ISO_8859_1);
	}

	/**
	 * Sends the request and reads the whole response.
	 * @param deadline the {@link System#nanoTime()} by which the response must have been read
	 * @return the response's status
	 * @throws SocketTimeoutException if the deadline passed first
	 * @throws IOException if the connection failed
	 */
	int get(long deadline) throws IOException {
		Connection connection = this.idle.pollFirst();
		if (connection != null) {
			try {
				return exchange(connection, deadline);
			}
			catch (EOFException ex) {
				// the server closed the idle connection before it saw the request: send it again, once
			}
		}
		return exchange(connect(deadline), deadline);
	}

	private int exchange(Connection connection, long deadline) throws IOException {
		try {
			int status = connection.exchange(this.request, deadline);
			if (connection.reusable) {
				this.idle.offerFirst(connection);
			}
			else {
				close(connection);
			}
			return status;
		}
		catch (IOException | RuntimeException ex) {
			close(connection);
			throw ex;
		}
	}

	private Connection connect(long deadline) throws IOException {
		Socket socket = new Socket();
		try {
			socket.setTcpNoDelay(true);
			socket.connect(this.address, timeoutMillis(deadline));
			Connection connection = new Connection(socket);
			this.open.add(connection);
			return connection;
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	private void close(Connection connection) {
		this.open.remove(connection);
		try {
			connection.socket.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

	/** Closes every connection, idle or in use. */
	@Override
	public void close() {
		this.idle.clear();
		this.open.forEach(this::close);
	}

	/** The milliseconds left until the deadline, at least 1; a timeout if none are left. */
	static int timeoutMillis(long deadline) throws SocketTimeoutException {
		long left = deadline - System.nanoTime();
		if (left <= 0) {
			throw new SocketTimeoutException("deadline passed");
		}
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left)));
	}

	/** One connection and its read buffer; used by one thread at a time. */
	private static final class Connection {

		private final Socket socket;

		private final InputStream in;

		private final OutputStream out;

		private final byte[] buffer = new byte[8192];

		private int position;

		private int limit;

		private final StringBuilder line = new StringBuilder(128);

		private boolean reusable;

		Connection(Socket socket) throws IOException {
			this.socket = socket;
			this.in = socket.getInputStream();
			this.out = socket.getOutputStream();
		}

		int exchange(byte[] request, long deadline) throws IOException {
			this.reusable = false;
			this.out.write(request);
			this.out.flush();
			String statusLine = readLine(deadline, true);
			if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.")) {
				throw new IOException("not an HTTP/1.x status line: " + statusLine);
			}
			int status = Integer.parseInt(statusLine.substring(9, 12));
			long length = -1;
			boolean chunked = false;
			boolean keepAlive = statusLine.startsWith("HTTP/1.1");
			String header;
			while (!(header = readLine(deadline, false)).isEmpty()) {
				int colon = header.indexOf(':');
				if (colon < 0) {
					continue;
				}
				String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
				String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
				switch (name) {
					case "content-length" -> length = Long.parseLong(value);
					case "transfer-encoding" -> chunked = value.contains("chunked");
					case "connection" ->
						keepAlive = keepAlive ? !value.contains("close") : value.contains("keep-alive");
					default -> {
					}
				}
			}
			boolean bodiless = status < 200 || status == 204 || status == 304;
			if (!bodiless) {
				if (chunked) {
					long size;
					while ((size = Long.parseLong(chunkSize(readLine(deadline, false)), 16)) > 0) {
						skip(size + 2, deadline);
					}
					while (!readLine(deadline, false).isEmpty()) {
						// trailers
					}
				}
				else if (length >= 0) {
					skip(length, deadline);
				}
				else {
					while (read(deadline) != -1) {
						// the body ends with the stream
					}
					keepAlive = false;
				}
			}
			this.reusable = keepAlive;
			return status;
		}

		private static String chunkSize(String line) {
			int extension = line.indexOf(';');
			return ((extension < 0) ? line : line.substring(0, extension)).trim();
		}

		/** A line without its CRLF; an end of stream before the first byte of a response is an EOFException. */
		private String readLine(long deadline, boolean first) throws IOException {
			this.line.setLength(0);
			int c;
			while ((c = read(deadline)) != '\n') {
				if (c == -1) {
					if (first && this.line.length() == 0) {
						throw new EOFException("connection closed before the response");
					}
					throw new IOException("connection closed within the response");
				}
				if (c != '\r') {
					this.line.append((char) c);
				}
			}
			return this.line.toString();
		}

		private void skip(long count, long deadline) throws IOException {
			long left = count;
			while (left > 0) {
				if (this.position == this.limit && !fill(deadline)) {
					throw new IOException("connection closed within the body");
				}
				int skipped = (int) Math.min(left, this.limit - this.position);
				this.position += skipped;
				left -= skipped;
			}
		}

		/** The next byte, or -1 at the end of the stream. */
		private int read(long deadline) throws IOException {
			if (this.position == this.limit && !fill(deadline)) {
				return -1;
			}
			return this.buffer[this.position++] & 0xFF;
		}

		/** Reads what has arrived into the empty buffer, waiting at most until the deadline; false at the end. */
		private boolean fill(long deadline) throws IOException {
			this.socket.setSoTimeout(timeoutMillis(deadline));
			int count = this.in.read(this.buffer);
			this.position = 0;
			this.limit = Math.max(0, count);
			return count > 0;
		}

	}

}
