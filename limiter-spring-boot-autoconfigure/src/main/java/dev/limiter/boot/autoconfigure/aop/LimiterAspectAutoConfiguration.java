package dev.limiter.boot.autoconfigure.aop;

import dev.limiter.boot.aop.LimiterAnnotationValidator;
import dev.limiter.boot.aop.LimiterAspect;
import dev.limiter.boot.aop.LimiterMethodPlans;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import org.aspectj.lang.annotation.Aspect;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the limiter
 * annotations: the {@link LimiterAspect} (applied by Spring Boot's AOP auto-configuration, {@code spring.aop.auto})
 * and the start-up {@link LimiterAnnotationValidator}. Needs AspectJ ({@code spring-boot-starter-aspectj}).
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnClass(Aspect.class)
public final class LimiterAspectAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LimiterMethodPlans limiterMethodPlans(LimiterProperties properties, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders) {
		return new LimiterMethodPlans(rateLimiters, breakers, shedders, (name) -> {
			LimiterProperties.RateLimiter limiter = properties.getRateLimiters().get(name);
			return limiter != null && limiter.getMode() == LimiterProperties.Mode.SHADOW;
		});
	}

	@Bean
	@ConditionalOnMissingBean
	LimiterAspect limiterAspect(LimiterMethodPlans plans, ObjectProvider<LimiterCallListener> listener,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders) {
		LimiterCallListener unique = listener.getIfUnique();
		return new LimiterAspect(plans, (unique != null) ? unique : LimiterCallListener.NONE, breakers::isShadow,
				shedders::isShadow);
	}

	@Bean
	@ConditionalOnMissingBean
	LimiterAnnotationValidator limiterAnnotationValidator(LimiterMethodPlans plans) {
		return new LimiterAnnotationValidator(plans);
	}

}
