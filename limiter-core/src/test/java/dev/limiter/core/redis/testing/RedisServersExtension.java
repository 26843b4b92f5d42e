package dev.limiter.core.redis.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves test, constructor and lifecycle-method parameters of type {@link RedisServerProcess} (a standalone server
 * private to the test class: started on first use, killed after the class, so fault tests may kill and restart it)
 * and {@link RedisClusterProcess} (a three-master cluster started once and shared by every class of the test run).
 * Servers are found and started as {@link RedisServerProcess} describes; without a {@code redis-server} binary the
 * test fails, naming what to install. Use it through {@link RedisServerTest}.
 */
public final class RedisServersExtension implements ParameterResolver {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(RedisServersExtension.class);

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		Class<?> type = parameterContext.getParameter().getType();
		return type == RedisServerProcess.class || type == RedisClusterProcess.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		Class<?> type = parameterContext.getParameter().getType();
		if (type == RedisClusterProcess.class) {
			return extensionContext.getRoot()
				.getStore(NAMESPACE)
				.computeIfAbsent(RedisClusterProcess.class, (key) -> RedisClusterProcess.start(),
						RedisClusterProcess.class);
		}
		return classContext(extensionContext).getStore(NAMESPACE)
			.computeIfAbsent(RedisServerProcess.class, (key) -> RedisServerProcess.start(), RedisServerProcess.class);
	}

	private static ExtensionContext classContext(ExtensionContext context) {
		ExtensionContext current = context;
		while (current.getParent().isPresent() && current.getParent().get() != context.getRoot()) {
			current = current.getParent().get();
		}
		return current;
	}

}
