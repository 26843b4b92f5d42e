package dev.limiter.boot.autoconfigure;

import java.lang.reflect.Method;
import java.util.Properties;
import java.util.Set;

import dev.limiter.boot.aop.InvalidFallbackMethodException;
import dev.limiter.boot.aop.InvalidKeyExpressionException;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.registry.UnknownLimiterException;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.expression.spel.standard.SpelExpressionParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class FailureAnalyzersTests {

	@Test
	void unknownRateLimiterInARuleNamesPropertyAndConfiguredNames() {
		UnknownLimiterException failure = new UnknownLimiterException(LimiterKind.RATE_LIMITER, "apii",
				"property 'limiter.web.rules[0].rate-limiter'", Set.of("login", "api"));
		FailureAnalysis analysis = new UnknownLimiterFailureAnalyzer()
			.analyze(new BeanCreationException("limiterWebRules", "failed", failure));
		assertThat(analysis.getDescription()).isEqualTo("The rate limiter 'apii' named by property "
				+ "'limiter.web.rules[0].rate-limiter' is not configured. Configured rate limiters: api, login.");
		assertThat(analysis.getAction()).isEqualTo("Configure it under 'limiter.rate-limiters.apii', or correct "
				+ "property 'limiter.web.rules[0].rate-limiter' to name a configured rate limiter.");
		assertThat(analysis.getCause()).isSameAs(failure);
	}

	@Test
	void unknownBreakerOfAnAnnotationWithNoneConfigured() {
		UnknownLimiterException failure = new UnknownLimiterException(LimiterKind.CIRCUIT_BREAKER, "backend",
				"@CircuitBreaker on method 'com.example.Client.call()'", Set.of());
		FailureAnalysis analysis = new UnknownLimiterFailureAnalyzer().analyze(failure);
		assertThat(analysis.getDescription()).contains("circuit breaker 'backend'")
			.contains("@CircuitBreaker on method 'com.example.Client.call()'")
			.endsWith("No circuit breakers are configured.");
		assertThat(analysis.getAction()).startsWith("Configure it under 'limiter.circuit-breakers.backend'");
	}

	@Test
	void registryLookupThrowsUnknownLimiter() {
		RateLimiterRegistry registry = new RateLimiterRegistry(java.util.Map.of());
		Throwable failure = catchThrowable(() -> registry.get("api", "property 'x'"));
		assertThat(failure).isInstanceOf(UnknownLimiterException.class)
			.hasMessage("Rate limiter 'api' named by property 'x' is not configured");
	}

	@Test
	void invalidKeyExpressionNamesItsOrigin() {
		Throwable parseFailure = catchThrowable(() -> new SpelExpressionParser().parseExpression("getHeader('x'"));
		InvalidKeyExpressionException failure = new InvalidKeyExpressionException("getHeader('x'",
				"property 'limiter.web.rules[2].key'", parseFailure);
		FailureAnalysis analysis = new InvalidKeyExpressionFailureAnalyzer().analyze(failure);
		assertThat(analysis.getDescription()).startsWith("The key 'getHeader('x'' given by property "
				+ "'limiter.web.rules[2].key' is not a valid SpEL expression: ")
			.contains(parseFailure.getMessage());
		assertThat(analysis.getAction()).startsWith("Correct the SpEL expression given by property "
				+ "'limiter.web.rules[2].key'.")
			.contains("ip, header:<Name>, principal or path");
	}

	@Test
	void invalidFallbackShowsTheSignaturesThatFit() throws Exception {
		Method method = Client.class.getDeclaredMethod("call", String.class, int.class);
		InvalidFallbackMethodException failure = new InvalidFallbackMethodException(method, "recover",
				"no method 'recover' with parameters (String, int) or (String, int, Throwable)");
		FailureAnalysis analysis = new InvalidFallbackMethodFailureAnalyzer().analyze(failure);
		assertThat(analysis.getDescription()).isEqualTo("The fallback method 'recover' of @CircuitBreaker on method '"
				+ Client.class.getName() + ".call(String, int)' does not fit: no method 'recover' with parameters "
				+ "(String, int) or (String, int, Throwable).");
		assertThat(analysis.getAction()).isEqualTo("Declare 'String recover(String, int)' or 'String recover(String, "
				+ "int, Throwable)' in " + Client.class.getName() + ", or correct the fallbackMethod attribute.");
	}

	@Test
	void analyzersAreRegistered() throws Exception {
		Properties factories = PropertiesLoaderUtils
			.loadProperties(new ClassPathResource("/META-INF/spring.factories", LimiterAutoConfiguration.class));
		assertThat(factories.getProperty(FailureAnalyzer.class.getName()).split(","))
			.containsExactlyInAnyOrder(UnknownLimiterFailureAnalyzer.class.getName(),
					InvalidKeyExpressionFailureAnalyzer.class.getName(),
					InvalidFallbackMethodFailureAnalyzer.class.getName());
	}

	static class Client {

		String call(String name, int attempt) {
			return name + attempt;
		}

	}

}
