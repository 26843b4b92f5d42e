package dev.limiter.core.redis.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client for test administration (PING, INFO, CLUSTER, SCRIPT, CLIENT PAUSE), free of any
 * driver so that the test servers can be set up and inspected without the code under test. Not thread-safe.
 *
 * <p>Replies map to Java as: simple string and bulk string to {@link String} (null bulk to {@code null}), integer
 * to {@link Long}, array to {@link List}; an error reply throws {@link RedisErrorReply}.
 */
public final class RespConnection implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	/**
	 * Connects to a Redis server.
	 * @param host the host
	 * @param port the port
	 * @param timeoutMillis the connect and read timeout
	 */
	public RespConnection(String host, int port, int timeoutMillis) {
		try {
			this.socket = new Socket();
			this.socket.connect(new InetSocketAddress(host, port), timeoutMillis);
			this.socket.setSoTimeout(timeoutMillis);
			this.socket.setTcpNoDelay(true);
			this.in = new BufferedInputStream(this.socket.getInputStream());
			this.out = new BufferedOutputStream(this.socket.getOutputStream());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot connect to Redis at " + host + ":" + port, ex);
		}
	}

	/**
	 * Sends one command and reads its reply.
	 * @param args the command and its arguments
	 * @return the reply
	 * @throws RedisErrorReply when Redis answers with an error
	 */
	public Object command(Object... args) {
		try {
			write(args);
			this.out.flush();
			return read();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Redis I/O failed for " + args[0], ex);
		}
	}

	private void write(Object[] args) throws IOException {
		this.out.write(('*' + Integer.toString(args.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
		for (Object arg : args) {
			byte[] bytes = (arg instanceof byte[] b) ? b : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
			this.out.write(('$' + Integer.toString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
			this.out.write(bytes);
			this.out.write('\r');
			this.out.write('\n');
		}
	}

	private Object read() throws IOException {
		int type = this.in.read();
		if (type < 0) {
			throw new IOException("connection closed by Redis");
		}
		String line = readLine();
		switch (type) {
			case '+':
				return line;
			case '-':
				throw new RedisErrorReply(line);
			case ':':
				return Long.parseLong(line);
			case '$': {
				int length = Integer.parseInt(line);
				if (length < 0) {
					return null;
				}
				byte[] bytes = this.in.readNBytes(length + 2);
				return new String(bytes, 0, length, StandardCharsets.UTF_8);
			}
			case '*': {
				int count = Integer.parseInt(line);
				if (count < 0) {
					return null;
				}
				List<Object> items = new ArrayList<>(count);
				for (int i = 0; i < count; i++) {
					items.add(read());
				}
				return items;
			}
			default:
				throw new IOException("unexpected RESP type '" + (char) type + "'");
		}
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = this.in.read()) != '\r') {
			if (b < 0) {
				throw new IOException("connection closed by Redis");
			}
			line.write(b);
		}
		this.in.read();
		return line.toString(StandardCharsets.UTF_8);
	}

	@Override
	public void close() {
		try {
			this.socket.close();
		}
		catch (IOException ex) {
			// nothing to do
		}
	}

	/** An error reply from Redis, such as {@code NOSCRIPT} or {@code ERR}. */
	public static final class RedisErrorReply extends RuntimeException {

		private static final long serialVersionUID = 1L;

		RedisErrorReply(String message) {
			super(message);
		}

	}

}
