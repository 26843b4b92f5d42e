package dev.limiter.core.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A private {@code redis-server} process on a free loopback port, for tests and benchmarks: no persistence, its own
 * temporary directory, never the shared port 6379. The binary is found as {@link RedisBinary} describes.
 *
 * <p>Fault tests can {@link #kill()} or {@link #stop()} the server and {@link #restart()} it on the same port.
 * {@link #close()} stops it for good and deletes its directory; a JVM shutdown hook kills whatever is still running.
 * Not thread-safe: drive one instance from one thread.
 */
public final class RedisServerProcess implements AutoCloseable {

	/** The loopback address every test server binds to. */
	public static final String HOST = "127.0.0.1";

	private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
				"redis-server-reaper"));
	}

	private final int port;

	private final Path directory;

	private final List<String> extraArgs;

	private Process process;

	private RedisServerProcess(int port, Path directory, List<String> extraArgs) {
		this.port = port;
		this.directory = directory;
		this.extraArgs = extraArgs;
	}

	/**
	 * Starts a standalone server on a free port and waits until it answers {@code PING}.
	 * @param extraArgs further {@code redis-server} arguments, such as {@code "--maxclients", "100"}
	 * @return the running server
	 */
	public static RedisServerProcess start(String... extraArgs) {
		return start(freePort(false), extraArgs);
	}

	static RedisServerProcess start(int port, String... extraArgs) {
		Path directory;
		try {
			directory = Files.createTempDirectory("limiter-redis-" + port + "-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		RedisServerProcess server = new RedisServerProcess(port, directory, List.of(extraArgs));
		try {
			server.launch();
		}
		catch (RuntimeException ex) {
			server.close();
			throw ex;
		}
		return server;
	}

	/**
	 * Returns a port on which both {@code port} and, for a cluster node, its bus port {@code port + 10000} are free.
	 * @param withBus whether the cluster bus port must be free too
	 * @return the port
	 */
	static int freePort(boolean withBus) {
		for (int attempt = 0; attempt < 200; attempt++) {
			int candidate = ThreadLocalRandom.current().nextInt(20_000, 50_000);
			if (isFree(candidate) && (!withBus || isFree(candidate + 10_000))) {
				return candidate;
			}
		}
		throw new IllegalStateException("no free loopback port found for redis-server");
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
			socket.setReuseAddress(true);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private void launch() {
		List<String> command = new ArrayList<>(Arrays.asList(RedisBinary.get().toString(), "--port",
				Integer.toString(this.port), "--bind", HOST, "--save", "", "--appendonly", "no", "--daemonize", "no",
				"--dir", this.directory.toString(), "--logfile", logFile().toString()));
		command.addAll(this.extraArgs);
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("stdout.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot start " + command, ex);
		}
		LIVE.add(this.process);
		awaitPing();
	}

	private void awaitPing() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (true) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("redis-server on port " + this.port + " exited with "
						+ this.process.exitValue() + ": " + log());
			}
			try (RespConnection connection = new RespConnection(HOST, this.port, 500)) {
				if ("PONG".equals(connection.command("PING"))) {
					return;
				}
			}
			catch (RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("redis-server on port " + this.port + " did not answer PING: "
							+ log(), ex);
				}
			}
			sleepMillis(10);
		}
	}

	/**
	 * Returns the host, always the loopback address.
	 * @return the host
	 */
	public String host() {
		return HOST;
	}

	/**
	 * Returns the port.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Returns {@code host:port}.
	 * @return the address
	 */
	public String address() {
		return HOST + ":" + this.port;
	}

	/**
	 * Returns a {@code redis://} URI of the server.
	 * @return the URI
	 */
	public String uri() {
		return "redis://" + address();
	}

	/**
	 * Returns whether the process is running.
	 * @return whether it runs
	 */
	public boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/** Kills the process at once (SIGKILL), as a crash would; its data is lost. */
	public void kill() {
		terminate(true);
	}

	/** Stops the process gracefully (SIGTERM) and waits for it to exit. */
	public void stop() {
		terminate(false);
	}

	/** Starts the server again on the same port, empty, and waits until it answers. */
	public void restart() {
		if (isRunning()) {
			kill();
		}
		launch();
	}

	/**
	 * Opens an administration connection (a driver-free RESP client); close it after use.
	 * @return the connection
	 */
	public RespConnection connect() {
		return new RespConnection(HOST, this.port, 5000);
	}

	/**
	 * Runs one command on a fresh administration connection.
	 * @param args the command and its arguments
	 * @return the reply, as {@link RespConnection#command(Object...)} maps it
	 */
	public Object command(Object... args) {
		try (RespConnection connection = connect()) {
			return connection.command(args);
		}
	}

	/**
	 * Returns how many times Redis has run the given command since start or {@code CONFIG RESETSTAT}, from
	 * {@code INFO commandstats}.
	 * @param command the command, such as {@code "evalsha"}
	 * @return the number of calls
	 */
	public long commandCalls(String command) {
		String info = (String) command("INFO", "commandstats");
		String prefix = "cmdstat_" + command.toLowerCase() + ":calls=";
		return info.lines()
			.filter((line) -> line.startsWith(prefix))
			.mapToLong((line) -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length()))))
			.findFirst()
			.orElse(0);
	}

	/**
	 * Returns the server's log so far, for failure messages.
	 * @return the log text, or a note when there is none
	 */
	public String log() {
		try {
			Path log = logFile();
			return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8)
					: Files.readString(this.directory.resolve("stdout.log"), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
		}
	}

	Path directory() {
		return this.directory;
	}

	private Path logFile() {
		return this.directory.resolve("redis.log");
	}

	private void terminate(boolean forcibly) {
		Process current = this.process;
		if (current == null) {
			return;
		}
		if (forcibly) {
			current.destroyForcibly();
		}
		else {
			current.destroy();
		}
		try {
			if (!current.waitFor(10, TimeUnit.SECONDS)) {
				current.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			current.destroyForcibly();
		}
		LIVE.remove(current);
	}

	/** Kills the server and deletes its directory. */
	@Override
	public void close() {
		kill();
		try (Stream<Path> paths = Files.walk(this.directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// a leftover temporary directory is harmless
		}
	}

	@Override
	public String toString() {
		return "redis-server " + address();
	}

	static void sleepMillis(long millis) {
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
	}

}
