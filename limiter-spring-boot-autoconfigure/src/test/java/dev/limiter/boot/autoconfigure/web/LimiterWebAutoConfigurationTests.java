package dev.limiter.boot.autoconfigure.web;

import java.util.List;
import java.util.Map;

import dev.limiter.boot.aop.InvalidKeyExpressionException;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.UnknownLimiterException;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
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
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.shedding.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.util.pattern.PathPattern;

import static org.assertj.core.api.Assertions.assertThat;

class LimiterWebAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebAutoConfiguration.class))
		.withBean(RateLimitStore.class, CountingStore::new);

	@Test
	void runWithoutRulesShouldRegisterDisabledFilters() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ClientAddressResolver.class)
				.hasSingleBean(RateLimitHeaders.class)
				.hasSingleBean(LimiterResponseWriter.class)
				.hasSingleBean(LimiterWebRules.class)
				.hasSingleBean(LimiterExceptionResolver.class);
			assertThat(registration(context, "limiterLoadSheddingFilter").isEnabled()).isFalse();
			assertThat(registration(context, "limiterRateLimitFilter").isEnabled()).isFalse();
			assertThat(registration(context, "limiterCircuitBreakerFilter").isEnabled()).isFalse();
			assertThat(context.getBean(RateLimitHeaders.class).format()).isEqualTo(RateLimitHeaders.Format.IETF);
		});
	}

	@Test
	void rulesWhoseKeyNeedsThePrincipalRunAfterSecurityTheOthersBefore() {
		this.runner
			.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].rate-limiter=api",
					"limiter.web.rules[0].key=ip", "limiter.web.rules[1].rate-limiter=api",
					"limiter.web.rules[1].key=principal", "limiter.web.rules[2].rate-limiter=api",
					"limiter.web.rules[2].key=userPrincipal?.name", "limiter.web.rules[3].rate-limiter=api",
					"limiter.web.rules[3].key=header:X-Api-Key")
			.run((context) -> {
				LimiterWebRules rules = context.getBean(LimiterWebRules.class);
				assertThat(rules.rulesBeforeSecurity()).containsExactly(rules.rules().get(0), rules.rules().get(3));
				assertThat(rules.rulesAfterSecurity()).containsExactly(rules.rules().get(1), rules.rules().get(2));
				FilterRegistrationBean<?> early = registration(context, "limiterEarlyRateLimitFilter");
				FilterRegistrationBean<?> late = registration(context, "limiterRateLimitFilter");
				assertThat(early.isEnabled()).isTrue();
				assertThat(late.isEnabled()).isTrue();
				assertThat(early.getFilterName()).isNotEqualTo(late.getFilterName());
				assertThat(early.getOrder()).isLessThan(-100).isGreaterThan(LoadSheddingFilter.DEFAULT_ORDER);
				assertThat(late.getOrder()).isGreaterThan(-100).isLessThan(CircuitBreakerFilter.DEFAULT_ORDER);
			});
	}

	@Test
	void runWithRateLimitRuleShouldEnableOnlyTheRateLimitFilter() {
		this.runner.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].paths=/api/**",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.headers=legacy")
			.run((context) -> {
				FilterRegistrationBean<?> rateLimit = registration(context, "limiterEarlyRateLimitFilter");
				assertThat(rateLimit.isEnabled()).isTrue();
				assertThat(rateLimit.getOrder()).isEqualTo(RateLimitFilter.BEFORE_SECURITY_ORDER);
				assertThat(rateLimit.getFilter()).isInstanceOf(RateLimitFilter.class);
				assertThat(registration(context, "limiterRateLimitFilter").isEnabled()).as("no principal key")
					.isFalse();
				assertThat(registration(context, "limiterLoadSheddingFilter").isEnabled()).isFalse();
				assertThat(registration(context, "limiterCircuitBreakerFilter").isEnabled()).isFalse();
				assertThat(context.getBean(LimiterWebRules.class).rules()).singleElement()
					.satisfies((rule) -> assertThat(rule.rateLimit().limiter().name()).isEqualTo("api"));
				assertThat(context.getBean(RateLimitHeaders.class).format())
					.isEqualTo(RateLimitHeaders.Format.LEGACY);
			});
	}

	@Test
	void runWithBreakerAndShedderRulesShouldEnableTheirFiltersInOrder() {
		FakeBreaker breaker = new FakeBreaker("backend");
		FakeShedder shedder = new FakeShedder("default");
		this.runner.withBean(CircuitBreakerRegistry.class, () -> new CircuitBreakerRegistry(Map.of("backend", breaker)))
			.withBean(LoadShedderRegistry.class, () -> new LoadShedderRegistry(Map.of("default", shedder)))
			.withPropertyValues("limiter.web.rules[0].circuit-breaker=backend",
					"limiter.web.rules[0].load-shedder=default")
			.run((context) -> {
				FilterRegistrationBean<?> shedding = registration(context, "limiterLoadSheddingFilter");
				FilterRegistrationBean<?> breaking = registration(context, "limiterCircuitBreakerFilter");
				assertThat(shedding.isEnabled()).isTrue();
				assertThat(breaking.isEnabled()).isTrue();
				assertThat(shedding.getFilter()).isInstanceOf(LoadSheddingFilter.class);
				assertThat(breaking.getFilter()).isInstanceOf(CircuitBreakerFilter.class);
				assertThat(shedding.getOrder()).isLessThan(RateLimitFilter.DEFAULT_ORDER);
				assertThat(breaking.getOrder()).isGreaterThan(RateLimitFilter.DEFAULT_ORDER);
				assertThat(registration(context, "limiterRateLimitFilter").isEnabled()).isFalse();
			});
	}

	@Test
	void runWithRulePriorityShouldMapItAndDefaultToCritical() {
		FakeShedder shedder = new FakeShedder("default");
		this.runner.withBean(LoadShedderRegistry.class, () -> new LoadShedderRegistry(Map.of("default", shedder)))
			.withPropertyValues("limiter.web.rules[0].paths=/batch/**", "limiter.web.rules[0].load-shedder=default",
					"limiter.web.rules[0].priority=sheddable", "limiter.web.rules[1].load-shedder=default",
					"limiter.web.rules[2].load-shedder=default", "limiter.web.rules[2].priority=CRITICAL")
			.run((context) -> {
				List<RequestRule> rules = context.getBean(LimiterWebRules.class).rules();
				assertThat(rules).extracting((rule) -> rule.shedding().priority())
					.containsExactly(Priority.SHEDDABLE, Priority.CRITICAL, Priority.CRITICAL);
			});
	}

	@Test
	void runWithUnknownRulePriorityShouldFailBindingTheProperty() {
		this.runner.withBean(LoadShedderRegistry.class, () -> new LoadShedderRegistry(Map.of()))
			.withPropertyValues("limiter.web.rules[0].load-shedder=default", "limiter.web.rules[0].priority=urgent")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(findCause(context.getStartupFailure(), BindException.class).getProperty().getName())
					.hasToString("limiter.web.rules[0].priority");
			});
	}

	@Test
	void runWithSheddablePriorityButNoShedderShouldFailNamingTheProperty() {
		assertInvalid("limiter.web.rules[0].priority", "limiter.rate-limiters.api.limit=1",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].priority=sheddable");
	}

	@Test
	void runWithUserResponseWriterShouldBackOff() {
		LimiterResponseWriter writer = (request, response, rejection) -> response.sendError(418);
		this.runner.withBean(LimiterResponseWriter.class, () -> writer).run((context) -> {
			assertThat(context).hasSingleBean(LimiterResponseWriter.class)
				.doesNotHaveBean(ProblemDetailsResponseWriter.class);
			assertThat(context.getBean(LimiterResponseWriter.class)).isSameAs(writer);
		});
	}

	@Test
	void runWithUserFilterRegistrationShouldBackOff() {
		this.runner.withBean("limiterRateLimitFilter", FilterRegistrationBean.class, FilterRegistrationBean::new)
			.run((context) -> assertThat(registration(context, "limiterRateLimitFilter").getFilter()).isNull());
	}

	@Test
	void runWithUnknownRateLimiterInRuleShouldFail() {
		this.runner.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].rate-limiter=apii")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(UnknownLimiterException.class)
					.hasMessage("Rate limiter 'apii' named by property 'limiter.web.rules[0].rate-limiter' "
							+ "is not configured");
			});
	}

	@Test
	void runWithUnknownBreakerOrShedderInRuleShouldFail() {
		this.runner.withPropertyValues("limiter.web.rules[1].circuit-breaker=x", "limiter.web.rules[0].load-shedder=x")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(UnknownLimiterException.class)
				.satisfies((ex) -> assertThat(((UnknownLimiterException) ex).getOrigin())
					.isEqualTo("property 'limiter.web.rules[0].load-shedder'"))
				.satisfies((ex) -> assertThat(((UnknownLimiterException) ex).getKind())
					.isEqualTo(LimiterKind.LOAD_SHEDDER)));
		this.runner.withPropertyValues("limiter.web.rules[0].circuit-breaker=backend")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(UnknownLimiterException.class)
				.hasMessageContaining("limiter.web.rules[0].circuit-breaker"));
	}

	@Test
	void runWithKeyThatDoesNotParseShouldFail() {
		this.runner.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.web.rules[0].rate-limiter=api",
				"limiter.web.rules[0].key=getHeader('X-Api-Key'")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.satisfies((ex) -> assertThat(ex.getClass().getName()).startsWith("org.springframework.expression"))
				.satisfies((ex) -> assertThat(findCause(context.getStartupFailure(),
						InvalidKeyExpressionException.class).getOrigin())
					.isEqualTo("property 'limiter.web.rules[0].key'")));
	}

	@Test
	void runWithWrongRuleValuesShouldFailNamingTheProperty() {
		assertInvalid("limiter.web.rules[0].paths[1]", "limiter.rate-limiters.api.limit=1",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].paths=/ok,/api/{id");
		assertInvalid("limiter.web.rules[0].methods[0]", "limiter.rate-limiters.api.limit=1",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].methods=G E T");
		assertInvalid("limiter.web.rules[0].key", "limiter.rate-limiters.api.limit=1",
				"limiter.web.rules[0].rate-limiter=api", "limiter.web.rules[0].key=header:");
		assertInvalid("limiter.web.rules[0].rate-limiter", "limiter.web.rules[0].paths=/api/**");
		assertInvalid("limiter.web.trusted-proxies[1]", "limiter.web.trusted-proxies=10.0.0.0/8,proxy.local");
	}

	@Test
	void runWithoutMvcShouldRegisterFiltersButNoExceptionResolver() {
		this.runner.withClassLoader(new FilteredClassLoader(HandlerExceptionResolver.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(LimiterExceptionResolver.class);
			assertThat(context).hasBean("limiterRateLimitFilter");
		});
	}

	@Test
	void runWithoutSpringWebShouldNotConfigureTheWebLayer() {
		this.runner.withClassLoader(new FilteredClassLoader(PathPattern.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(LimiterWebRules.class);
			assertThat(context).doesNotHaveBean("limiterRateLimitFilter");
		});
	}

	@Test
	void runInANonWebApplicationShouldNotConfigureTheWebLayer() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebAutoConfiguration.class))
			.withPropertyValues("limiter.web.rules[0].rate-limiter=missing")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(LimiterWebRules.class);
				assertThat(context).doesNotHaveBean("limiterRateLimitFilter");
			});
	}

	private void assertInvalid(String property, String... properties) {
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.satisfies((ex) -> assertThat(((InvalidConfigurationPropertyValueException) ex).getName())
					.isEqualTo(property));
		});
	}

	private static FilterRegistrationBean<?> registration(AssertableWebApplicationContext context, String name) {
		return context.getBean(name, FilterRegistrationBean.class);
	}

	private static <E extends Throwable> E findCause(Throwable failure, Class<E> type) {
		Throwable cause = failure;
		while (cause != null && !type.isInstance(cause)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("%s in %s", type.getSimpleName(), failure).isNotNull();
		return type.cast(cause);
	}

}
