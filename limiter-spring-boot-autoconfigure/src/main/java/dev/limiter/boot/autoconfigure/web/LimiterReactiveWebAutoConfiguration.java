package dev.limiter.boot.autoconfigure.web;

import java.util.List;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.LimiterWebRules;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.boot.web.reactive.ReactiveCircuitBreakerFilter;
import dev.limiter.boot.web.reactive.ReactiveLimiterExceptionHandler;
import dev.limiter.boot.web.reactive.ReactiveLimiterResponseWriter;
import dev.limiter.boot.web.reactive.ReactiveLoadSheddingFilter;
import dev.limiter.boot.web.reactive.ReactiveProblemDetailsResponseWriter;
import dev.limiter.boot.web.reactive.ReactiveRateLimitFilter;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.server.WebFilter;
import org.springframework.web.util.pattern.PathPattern;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of limiter for WebFlux
 * applications: the rules of {@code limiter.web.rules}, applied by {@link WebFilter}s in the order, and with the
 * answers, of the servlet stack's {@link LimiterWebAutoConfiguration}:
 * <ol>
 * <li>{@link ReactiveLoadSheddingFilter} ({@link ReactiveLoadSheddingFilter#DEFAULT_ORDER});</li>
 * <li>{@link ReactiveRateLimitFilter}, twice: {@code limiterEarlyRateLimitFilter} before Spring Security
 * ({@link ReactiveRateLimitFilter#BEFORE_SECURITY_ORDER}) for the rules whose key does not need the authenticated
 * user, {@code limiterRateLimitFilter} after it ({@link ReactiveRateLimitFilter#DEFAULT_ORDER}) for those whose key
 * does;</li>
 * <li>{@link ReactiveCircuitBreakerFilter} ({@link ReactiveCircuitBreakerFilter#DEFAULT_ORDER}).</li>
 * </ol>
 * A filter no rule needs passes every request straight on. The client addresses and the rate-limit headers follow
 * {@code limiter.web.trusted-proxies}, {@code ipv6-prefix-length} and {@code headers}; unlike the servlet stack they
 * are not beans (their classes have servlet methods). Refusals are written by the
 * {@link ReactiveLimiterResponseWriter} bean (replaceable); the annotations' exceptions get the same answers through
 * {@link ReactiveLimiterExceptionHandler}.
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ WebFilter.class, PathPattern.class, Mono.class })
public final class LimiterReactiveWebAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ReactiveLimiterResponseWriter.class)
	ReactiveProblemDetailsResponseWriter limiterReactiveResponseWriter() {
		return new ReactiveProblemDetailsResponseWriter();
	}

	@Bean
	@ConditionalOnMissingBean
	LimiterWebRules limiterWebRules(LimiterProperties properties, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders) {
		return WebRulesMapper.webRules(properties, rateLimiters, breakers, shedders, addresses(properties));
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterLoadSheddingFilter")
	ReactiveLoadSheddingFilter limiterLoadSheddingFilter(LimiterWebRules rules, ReactiveLimiterResponseWriter writer,
			ObjectProvider<LimiterCallListener> listener, LoadShedderRegistry shedders) {
		return new ReactiveLoadSheddingFilter(rules.rules(), writer, WebRulesMapper.UNAVAILABLE_RETRY_AFTER,
				listener(listener), shedders::isShadow);
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterEarlyRateLimitFilter")
	ReactiveRateLimitFilter limiterEarlyRateLimitFilter(LimiterWebRules rules, LimiterProperties properties,
			ReactiveLimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener) {
		return rateLimitFilter(rules.rulesBeforeSecurity(), ReactiveRateLimitFilter.BEFORE_SECURITY_ORDER, properties,
				writer, listener);
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterRateLimitFilter")
	ReactiveRateLimitFilter limiterRateLimitFilter(LimiterWebRules rules, LimiterProperties properties,
			ReactiveLimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener) {
		return rateLimitFilter(rules.rulesAfterSecurity(), ReactiveRateLimitFilter.DEFAULT_ORDER, properties, writer,
				listener);
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterCircuitBreakerFilter")
	ReactiveCircuitBreakerFilter limiterCircuitBreakerFilter(LimiterWebRules rules,
			ReactiveLimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener,
			CircuitBreakerRegistry breakers) {
		return new ReactiveCircuitBreakerFilter(rules.rules(), writer,
				WebRulesMapper.UNAVAILABLE_RETRY_AFTER, listener(listener), breakers::isShadow);
	}

	@Bean
	@ConditionalOnMissingBean
	ReactiveLimiterExceptionHandler limiterExceptionHandler(ReactiveLimiterResponseWriter writer,
			LimiterProperties properties, RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers,
			LoadShedderRegistry shedders) {
		return new ReactiveLimiterExceptionHandler(writer, headers(properties), rateLimiters, breakers, shedders,
				WebRulesMapper.UNAVAILABLE_RETRY_AFTER);
	}

	// Not beans: their servlet methods would fail the bean introspection where the servlet API is absent.
	private static ClientAddressResolver addresses(LimiterProperties properties) {
		return WebRulesMapper.clientAddressResolver(properties.getWeb());
	}

	private static RateLimitHeaders headers(LimiterProperties properties) {
		return WebRulesMapper.headers(properties);
	}

	private static LimiterCallListener listener(ObjectProvider<LimiterCallListener> listener) {
		return WebRulesMapper.listener(listener);
	}

	private static ReactiveRateLimitFilter rateLimitFilter(List<RequestRule> rules, int order,
			LimiterProperties properties, ReactiveLimiterResponseWriter writer,
			ObjectProvider<LimiterCallListener> listener) {
		return new ReactiveRateLimitFilter(rules, addresses(properties), headers(properties), writer,
				listener(listener), order);
	}

}
