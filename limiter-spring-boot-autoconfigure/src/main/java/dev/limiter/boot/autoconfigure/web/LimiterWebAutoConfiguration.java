package dev.limiter.boot.autoconfigure.web;

import java.time.Duration;
import java.util.List;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.web.CircuitBreakerFilter;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.LimiterExceptionResolver;
import dev.limiter.boot.web.LimiterResponseWriter;
import dev.limiter.boot.web.LimiterWebRules;
import dev.limiter.boot.web.LoadSheddingFilter;
import dev.limiter.boot.web.ProblemDetailsResponseWriter;
import dev.limiter.boot.web.RateLimitFilter;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestRule;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.util.pattern.PathPattern;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of limiter for servlet
 * web applications: the rules of {@code limiter.web.rules} and three filters applying them, in this order:
 * <ol>
 * <li>{@link LoadSheddingFilter} ({@link LoadSheddingFilter#DEFAULT_ORDER}): refuses with 503 at once while a
 * shedder says the process is overloaded;</li>
 * <li>{@link RateLimitFilter}: 429 when a key's quota is used up, rate-limit headers on every answer; registered
 * twice, {@code limiterEarlyRateLimitFilter} before Spring Security ({@link RateLimitFilter#BEFORE_SECURITY_ORDER})
 * for the rules whose key does not need the authenticated user and {@code limiterRateLimitFilter} after it
 * ({@link RateLimitFilter#DEFAULT_ORDER}) for those whose key does;</li>
 * <li>{@link CircuitBreakerFilter} ({@link CircuitBreakerFilter#DEFAULT_ORDER}): 503 while a breaker is open; a
 * 5xx or an exception counts as a failure.</li>
 * </ol>
 * The filters see each request once, on its REQUEST dispatch (not on error or async re-dispatches). A filter no rule
 * needs is registered disabled. Refusals are written by the {@link LimiterResponseWriter} bean
 * (replaceable); in Spring MVC the annotations' exceptions get the same answers through
 * {@link LimiterExceptionResolver}.
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ Filter.class, PathPattern.class, FilterRegistrationBean.class })
public final class LimiterWebAutoConfiguration {

	/**
	 * The least {@code Retry-After} of 503 answers (shed requests, open breakers): a threshold breaker's open time or
	 * an adaptive shedder's cool-off may make it longer.
	 */
	static final Duration UNAVAILABLE_RETRY_AFTER = WebRulesMapper.UNAVAILABLE_RETRY_AFTER;

	@Bean
	@ConditionalOnMissingBean
	ClientAddressResolver limiterClientAddressResolver(LimiterProperties properties) {
		return WebRulesMapper.clientAddressResolver(properties.getWeb());
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimitHeaders limiterRateLimitHeaders(LimiterProperties properties) {
		return WebRulesMapper.headers(properties);
	}

	@Bean
	@ConditionalOnMissingBean(LimiterResponseWriter.class)
	ProblemDetailsResponseWriter limiterResponseWriter() {
		return new ProblemDetailsResponseWriter();
	}

	@Bean
	@ConditionalOnMissingBean
	LimiterWebRules limiterWebRules(LimiterProperties properties, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders, ClientAddressResolver addresses) {
		return WebRulesMapper.webRules(properties, rateLimiters, breakers, shedders, addresses);
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterLoadSheddingFilter")
	FilterRegistrationBean<LoadSheddingFilter> limiterLoadSheddingFilter(LimiterWebRules rules,
			LimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener, LoadShedderRegistry shedders) {
		LoadSheddingFilter filter = new LoadSheddingFilter(rules.rules(), writer, UNAVAILABLE_RETRY_AFTER,
				listener(listener), shedders::isShadow);
		return registration(filter, LoadSheddingFilter.DEFAULT_ORDER, filter.hasRules());
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterEarlyRateLimitFilter")
	FilterRegistrationBean<RateLimitFilter> limiterEarlyRateLimitFilter(LimiterWebRules rules,
			RateLimitHeaders headers, LimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener) {
		return rateLimitFilter("limiterEarlyRateLimitFilter", rules.rulesBeforeSecurity(),
				RateLimitFilter.BEFORE_SECURITY_ORDER, headers, writer, listener);
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterRateLimitFilter")
	FilterRegistrationBean<RateLimitFilter> limiterRateLimitFilter(LimiterWebRules rules, RateLimitHeaders headers,
			LimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener) {
		return rateLimitFilter("limiterRateLimitFilter", rules.rulesAfterSecurity(), RateLimitFilter.DEFAULT_ORDER,
				headers, writer, listener);
	}

	@Bean
	@ConditionalOnMissingBean(name = "limiterCircuitBreakerFilter")
	FilterRegistrationBean<CircuitBreakerFilter> limiterCircuitBreakerFilter(LimiterWebRules rules,
			LimiterResponseWriter writer, ObjectProvider<LimiterCallListener> listener,
			CircuitBreakerRegistry breakers) {
		CircuitBreakerFilter filter = new CircuitBreakerFilter(rules.rules(), writer, UNAVAILABLE_RETRY_AFTER,
				listener(listener), breakers::isShadow);
		return registration(filter, CircuitBreakerFilter.DEFAULT_ORDER, filter.hasRules());
	}

	private static LimiterCallListener listener(ObjectProvider<LimiterCallListener> listener) {
		return WebRulesMapper.listener(listener);
	}

	private static FilterRegistrationBean<RateLimitFilter> rateLimitFilter(String name, List<RequestRule> rules,
			int order, RateLimitHeaders headers, LimiterResponseWriter writer,
			ObjectProvider<LimiterCallListener> listener) {
		RateLimitFilter filter = new RateLimitFilter(rules, headers, writer, listener(listener));
		FilterRegistrationBean<RateLimitFilter> registration = registration(filter, order, filter.hasRules());
		registration.setName(name);
		return registration;
	}

	private static <F extends Filter> FilterRegistrationBean<F> registration(F filter, int order, boolean enabled) {
		FilterRegistrationBean<F> registration = new FilterRegistrationBean<>(filter);
		registration.setOrder(order);
		registration.setDispatcherTypes(DispatcherType.REQUEST);
		registration.setEnabled(enabled);
		return registration;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HandlerExceptionResolver.class)
	static class MvcConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LimiterExceptionResolver limiterExceptionResolver(LimiterResponseWriter writer, RateLimitHeaders headers,
				RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers, LoadShedderRegistry shedders) {
			return new LimiterExceptionResolver(writer, headers, rateLimiters, breakers, shedders,
					UNAVAILABLE_RETRY_AFTER);
		}

	}

}
