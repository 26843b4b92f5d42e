package dev.limiter.core.redis.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Spring Data Redis connection factories (Lettuce) for the test servers, started and connected; the caller
 * {@code destroy()}s them. They share one set of Lettuce client resources whose reconnect delay is a constant 50 ms
 * (Lettuce's default doubles up to 30 s), so a restarted server is used again at once.
 */
public final class RedisConnectionFactories {

	private static final ClientResources RESOURCES = ClientResources.builder()
		.reconnectDelay(Delay.constant(Duration.ofMillis(50)))
		.build();

	/** Fault servers: a connect attempt to a server that never answers gives up after 3 s (Lettuce: 10 s). */
	private static final SocketOptions FAULT_SOCKET = SocketOptions.builder()
		.connectTimeout(Duration.ofSeconds(3))
		.build();

	static {
		Thread shutdown = new Thread(() -> RESOURCES.shutdown(0, 1, TimeUnit.SECONDS), "lettuce-resources-shutdown");
		Runtime.getRuntime().addShutdownHook(shutdown);
	}

	private RedisConnectionFactories() {
	}

	/**
	 * Returns a started factory for a standalone server.
	 * @param server the server
	 * @return the factory
	 */
	public static LettuceConnectionFactory standalone(RedisServerProcess server) {
		LettuceClientConfiguration client = LettuceClientConfiguration.builder()
			.clientResources(RESOURCES)
			.clientOptions(ClientOptions.builder().build())
			.commandTimeout(Duration.ofSeconds(5))
			.build();
		return started(new LettuceConnectionFactory(new RedisStandaloneConfiguration(server.host(), server.port()),
				client));
	}

	/**
	 * Returns a started factory for a cluster.
	 * @param cluster the cluster
	 * @return the factory
	 */
	public static LettuceConnectionFactory cluster(RedisClusterProcess cluster) {
		LettuceClientConfiguration client = LettuceClientConfiguration.builder()
			.clientResources(RESOURCES)
			.clientOptions(ClusterClientOptions.builder().build())
			.commandTimeout(Duration.ofSeconds(5))
			.build();
		return started(new LettuceConnectionFactory(new RedisClusterConfiguration(cluster.addresses()), client));
	}

	/**
	 * Returns a started factory for a fault server, not connected yet: it connects on first use, as an
	 * application's factory does.
	 * @param server the fault server (or a proxy in front of a server)
	 * @return the factory
	 */
	public static LettuceConnectionFactory standalone(RedisFaultProxy server) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(server.host(), server.port()),
				client(ClientOptions.builder().socketOptions(FAULT_SOCKET).build()));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * Returns a started cluster factory seeded with the given addresses, not connected yet: it connects (and reads
	 * the topology) on first use, as an application's factory does.
	 * @param seeds the seed nodes' {@code host:port} addresses, such as a fault server's
	 * @return the factory
	 */
	public static LettuceConnectionFactory clusterSeededWith(List<String> seeds) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisClusterConfiguration(seeds),
				client(ClusterClientOptions.builder().socketOptions(FAULT_SOCKET).build()));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	private static LettuceClientConfiguration client(ClientOptions options) {
		return LettuceClientConfiguration.builder()
			.clientResources(RESOURCES)
			.clientOptions(options)
			.commandTimeout(Duration.ofSeconds(5))
			.build();
	}

	private static LettuceConnectionFactory started(LettuceConnectionFactory factory) {
		// connected before the first store uses it: a cold Lettuce start can take longer than a decision's timeout
		factory.setEagerInitialization(true);
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

}
