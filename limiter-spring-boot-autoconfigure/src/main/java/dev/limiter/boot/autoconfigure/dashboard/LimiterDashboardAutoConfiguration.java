package dev.limiter.boot.autoconfigure.dashboard;

import java.util.function.BooleanSupplier;

import dev.limiter.boot.actuate.LimiterEndpoint;
import dev.limiter.boot.autoconfigure.InvalidProperties;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.autoconfigure.actuate.LimiterEndpointAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.dashboard.DashboardWriteRecorder;
import dev.limiter.boot.dashboard.LimiterDashboard;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.Clock;
import dev.limiter.core.ratelimit.RateLimitStore;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnResource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the live dashboard's
 * model ({@link LimiterDashboard}) in a servlet or WebFlux application whose {@code limiter} endpoint is
 * available, unless {@code limiter.dashboard.enabled=false}; the page itself is served in the management context by
 * {@link LimiterDashboardManagementContextConfiguration}.
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(after = { LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class,
		LimiterEndpointAutoConfiguration.class })
@ConditionalOnWebApplication
@ConditionalOnClass({ ConditionalOnAvailableEndpoint.class, JsonMapper.class })
@ConditionalOnAvailableEndpoint(LimiterEndpoint.class)
@ConditionalOnBooleanProperty(name = "limiter.dashboard.enabled", matchIfMissing = true)
@ConditionalOnResource(resources = LimiterDashboardAutoConfiguration.UPLOT)
public final class LimiterDashboardAutoConfiguration {

	static final String UPLOT = "classpath:META-INF/maven/org.webjars.npm/uplot/pom.properties";

	private static final EndpointId LIMITER = EndpointId.of("limiter");

	@Bean
	@ConditionalOnMissingBean
	LimiterDashboard limiterDashboard(LimiterProperties properties, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders, ObjectProvider<RateLimitStore> store,
			ObjectProvider<WebEndpointsSupplier> endpoints, Clock clock) {
		int topKeys = properties.getDashboard().getTopKeys();
		if (topKeys < 1 || topKeys > 20) {
			throw InvalidProperties.of("limiter.dashboard.top-keys", topKeys, "Must be between 1 and 20.");
		}
		return new LimiterDashboard(rateLimiters, breakers, shedders, (name) -> {
			LimiterProperties.RateLimiter limiter = properties.getRateLimiters().get(name);
			return limiter != null && limiter.getMode() == LimiterProperties.Mode.SHADOW;
		}, (name) -> {
			LimiterProperties.CircuitBreaker breaker = properties.getCircuitBreakers().get(name);
			return (breaker != null)
					? new double[] { breaker.getFailureRateThreshold(), breaker.getSlowCallRateThreshold() } : null;
		}, store.getIfUnique(), writable(endpoints), topKeys, clock);
	}

	@Bean
	@ConditionalOnMissingBean
	static DashboardWriteRecorder limiterDashboardWriteRecorder(ObjectProvider<LimiterDashboard> dashboard) {
		return new DashboardWriteRecorder(dashboard::getIfAvailable);
	}

	/**
	 * Says whether the {@code limiter} endpoint's write operation is mapped on the web: not under
	 * {@code management.endpoint.limiter.access=read-only} (nor when the endpoint is not exposed on the web).
	 */
	private static BooleanSupplier writable(ObjectProvider<WebEndpointsSupplier> endpoints) {
		return () -> {
			WebEndpointsSupplier supplier = endpoints.getIfAvailable();
			return supplier != null && supplier.getEndpoints()
				.stream()
				.filter((endpoint) -> LIMITER.equals(endpoint.getEndpointId()))
				.flatMap((endpoint) -> endpoint.getOperations().stream())
				.anyMatch((operation) -> operation.getType() == OperationType.WRITE);
		};
	}

}
