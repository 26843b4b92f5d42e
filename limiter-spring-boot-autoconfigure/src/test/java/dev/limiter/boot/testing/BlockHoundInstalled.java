package dev.limiter.boot.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound (once per test JVM) before a WebFlux test: from then on a blocking call on a Reactor
 * non-blocking thread (Netty's event loops, {@code Schedulers.parallel()}, where WebTestClient runs the handler)
 * throws {@code BlockingOperationError} and fails the test. Surefire passes
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods}, which BlockHound needs on JDK 13 and later.
 */
public final class BlockHoundInstalled implements BeforeAllCallback {

	@Override
	public void beforeAll(ExtensionContext context) {
		BlockHound.install();
	}

}
