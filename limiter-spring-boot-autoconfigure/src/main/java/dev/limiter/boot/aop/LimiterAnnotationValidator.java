package dev.limiter.boot.aop;

import java.util.Objects;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Checks, once every singleton exists, each limiter annotation on the methods of the application's beans: the
 * limiter, breaker or shedder it names is configured ({@link dev.limiter.boot.autoconfigure.UnknownLimiterException}),
 * its key parses ({@link dev.limiter.boot.autoconfigure.InvalidKeyExpressionException}), its fallback fits
 * ({@link dev.limiter.boot.autoconfigure.InvalidFallbackMethodException}). A mistake fails start-up instead of the
 * first call. Beans of Spring's own packages are skipped.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterAnnotationValidator implements SmartInitializingSingleton, BeanFactoryAware {

	private final LimiterMethodPlans plans;

	private ConfigurableListableBeanFactory beanFactory;

	/**
	 * Creates the validator.
	 * @param plans resolves and checks what each annotated method needs
	 */
	public LimiterAnnotationValidator(LimiterMethodPlans plans) {
		this.plans = Objects.requireNonNull(plans, "plans must not be null");
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
	}

	@Override
	public void afterSingletonsInstantiated() {
		for (String name : this.beanFactory.getBeanDefinitionNames()) {
			Class<?> type = this.beanFactory.getType(name, false);
			if (type == null || type.getName().startsWith("org.springframework.")) {
				continue;
			}
			Class<?> userClass = ClassUtils.getUserClass(type);
			ReflectionUtils.doWithMethods(userClass, (method) -> this.plans.prepare(method, userClass),
					(method) -> !method.isBridge() && !method.isSynthetic()
							&& method.getDeclaringClass() != Object.class);
		}
	}

}
