package dev.limiter.core.redis.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Finds the {@code redis-server} binary for test servers, in this order: the environment variable
 * {@code REDIS_SERVER}, {@code redis-server} on the {@code PATH}, then the static Redis 7 binary shipped inside the
 * {@code org.signal:embedded-redis} test dependency (extracted once per JVM to a temporary executable file).
 */
final class RedisBinary {

	static final String ENV = "REDIS_SERVER";

	private static final String EMBEDDED_VERSION = "7.0.15";

	private static volatile Path resolved;

	private RedisBinary() {
	}

	static Path get() {
		Path path = resolved;
		if (path == null) {
			synchronized (RedisBinary.class) {
				path = resolved;
				if (path == null) {
					path = locate();
					resolved = path;
				}
			}
		}
		return path;
	}

	private static Path locate() {
		String fromEnv = System.getenv(ENV);
		if (fromEnv != null && !fromEnv.isBlank()) {
			Path path = Path.of(fromEnv);
			if (!Files.isExecutable(path)) {
				throw new IllegalStateException(ENV + " points to " + path + ", which is not an executable file");
			}
			return path;
		}
		String pathVariable = System.getenv("PATH");
		if (pathVariable != null) {
			for (String dir : pathVariable.split(File.pathSeparator)) {
				if (!dir.isEmpty()) {
					Path candidate = Path.of(dir, "redis-server");
					if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
						return candidate;
					}
				}
			}
		}
		return extractEmbedded();
	}

	/**
	 * Extracts the static binary of {@code org.signal:embedded-redis} for this platform to a temporary executable.
	 * @return the extracted binary
	 */
	static Path extractEmbedded() {
		String resource = "/redis-server-" + EMBEDDED_VERSION + "-" + platform();
		try (InputStream in = RedisBinary.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("No redis-server binary found: set " + ENV
						+ " to a redis-server executable, install Redis (e.g. 'apt-get install redis-server'), or keep"
						+ " org.signal:embedded-redis:0.9.1 (which ships " + resource.substring(1)
						+ ") on the test class path");
			}
			Path target = Files.createTempFile("limiter-redis-server-", "");
			target.toFile().deleteOnExit();
			Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
			if (!target.toFile().setExecutable(true)) {
				throw new IllegalStateException("cannot make " + target + " executable");
			}
			return target;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot extract the embedded redis-server binary", ex);
		}
	}

	private static String platform() {
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
		String osName = os.contains("mac") ? "darwin" : (os.contains("linux") ? "linux" : os);
		String archName = switch (arch) {
			case "amd64", "x86_64" -> "amd64";
			case "aarch64", "arm64" -> "arm64";
			case "x86", "i386", "i686" -> "386";
			default -> arch;
		};
		return osName + "-" + archName;
	}

}
