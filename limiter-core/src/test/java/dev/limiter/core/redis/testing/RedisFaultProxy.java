package dev.limiter.core.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fault server on a free loopback port: a TCP proxy in front of a Redis server that forwards faithfully, answers
 * slowly or stops answering (holding what it reads), switchable at any time ({@link #forward()},
 * {@link #delay(Duration)}, {@link #hang()}); or, with no server behind it ({@link #hanging()}), a socket that accepts
 * connections and never
 * answers, as a partition or a firewall dropping packets looks to a client. Commands are always read, so clients
 * never block on writing. Thread-safe; {@link #close()} drops every connection.
 */
public final class RedisFaultProxy implements AutoCloseable {

	private final RedisServerProcess target;

	private final ServerSocket serverSocket;

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private final AtomicInteger accepted = new AtomicInteger();

	private volatile long delayNanos;

	private volatile boolean hanging;

	private volatile boolean closed;

	private RedisFaultProxy(RedisServerProcess target) {
		this.target = target;
		this.hanging = (target == null);
		try {
			this.serverSocket = new ServerSocket(0, 50, InetAddress.getByName(RedisServerProcess.HOST));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		daemon(this::acceptLoop, "redis-fault-proxy-accept-" + port()).start();
	}

	/**
	 * Starts a proxy that forwards to the given server until told otherwise.
	 * @param target the server behind the proxy
	 * @return the running proxy
	 */
	public static RedisFaultProxy to(RedisServerProcess target) {
		return new RedisFaultProxy(target);
	}

	/**
	 * Starts a server that accepts connections and never answers.
	 * @return the running server
	 */
	public static RedisFaultProxy hanging() {
		return new RedisFaultProxy(null);
	}

	/** From now on, forwards replies at once. Has no effect on a proxy without a server behind it. */
	public void forward() {
		this.delayNanos = 0;
		this.hanging = (this.target == null);
	}

	/**
	 * From now on, holds every reply for the given time before passing it on.
	 * @param delay the delay of each reply
	 */
	public void delay(Duration delay) {
		this.delayNanos = delay.toNanos();
		this.hanging = (this.target == null);
	}

	/**
	 * From now on, holds everything, as a partition does: commands are read and neither passed on nor answered
	 * until {@link #forward()} or {@link #delay(Duration)} heals the partition.
	 */
	public void hang() {
		this.hanging = true;
	}

	/**
	 * Returns the host, always the loopback address.
	 * @return the host
	 */
	public String host() {
		return RedisServerProcess.HOST;
	}

	/**
	 * Returns the port clients connect to.
	 * @return the port
	 */
	public int port() {
		return this.serverSocket.getLocalPort();
	}

	/**
	 * Returns how many connections clients have opened so far.
	 * @return the number of accepted connections
	 */
	public int acceptedConnections() {
		return this.accepted.get();
	}

	private void acceptLoop() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.serverSocket.accept();
			}
			catch (IOException ex) {
				return;
			}
			this.sockets.add(client);
			this.accepted.incrementAndGet();
			Socket server = null;
			if (this.target != null) {
				try {
					server = new Socket(this.target.host(), this.target.port());
					this.sockets.add(server);
				}
				catch (IOException ex) {
					// the server is down: the client sees a connection that never answers
				}
			}
			Socket upstream = server;
			daemon(() -> pump(client, upstream, false), "redis-fault-proxy-commands").start();
			if (upstream != null) {
				daemon(() -> pump(upstream, client, true), "redis-fault-proxy-replies").start();
			}
		}
	}

	/** Copies bytes from one socket to the other, held while hanging; replies are delayed as the mode says. */
	private void pump(Socket from, Socket to, boolean replies) {
		byte[] buffer = new byte[16 * 1024];
		try (InputStream in = from.getInputStream()) {
			OutputStream out = (to != null) ? to.getOutputStream() : null;
			int read;
			while ((read = in.read(buffer)) >= 0) {
				if (replies) {
					long delay = this.delayNanos;
					if (delay > 0) {
						LockSupport.parkNanos(delay);
					}
				}
				while (this.hanging && !this.closed) {
					// held, not dropped, as TCP holds data across a partition: what was sent arrives once it heals
					LockSupport.parkNanos(1_000_000);
				}
				if (out != null) {
					out.write(buffer, 0, read);
					out.flush();
				}
			}
		}
		catch (IOException ex) {
			// a connection closed at either end ends the pump
		}
		finally {
			closeQuietly(from);
			if (to != null) {
				closeQuietly(to);
			}
		}
	}

	private void closeQuietly(Socket socket) {
		this.sockets.remove(socket);
		try {
			socket.close();
		}
		catch (IOException ex) {
			// closing is best effort
		}
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	/** Drops every connection; connections made from now on are refused. */
	@Override
	public void close() {
		this.closed = true;
		try {
			this.serverSocket.close();
		}
		catch (IOException ex) {
			// closing is best effort
		}
		this.sockets.forEach(this::closeQuietly);
	}

	@Override
	public String toString() {
		return "Redis fault proxy " + host() + ":" + port() + ((this.target != null) ? " -> " + this.target : "");
	}

}
