package dev.limiter.boot.aop;

import java.lang.reflect.Method;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Checks, once every singleton exists, each limiter annotation on the methods of the application's beans: the
 * limiter, breaker or shedder it names is configured ({@link dev.limiter.boot.registry.UnknownLimiterException}),
 * its key parses ({@link dev.limiter.boot.aop.InvalidKeyExpressionException}), its fallback fits
 * ({@link dev.limiter.boot.aop.InvalidFallbackMethodException}). Inherited annotated methods are checked
 * for each bean that inherits them: a fallback is looked up in the bean's own class, so every such bean needs one
 * that fits. A mistake fails start-up instead of the first call. Beans of Spring's own packages are skipped.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterAnnotationValidator implements SmartInitializingSingleton, BeanFactoryAware {

	private static final Logger logger = LoggerFactory.getLogger(LimiterAnnotationValidator.class);

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
			Method[] methods;
			try {
				methods = ReflectionUtils.getUniqueDeclaredMethods(userClass, ReflectionUtils.USER_DECLARED_METHODS);
			}
			catch (IllegalStateException | LinkageError ex) {
				// A class whose methods refer to classes that are not there cannot carry our annotations usefully.
				logger.debug("Skipping bean '{}': its methods cannot be introspected", name, ex);
				continue;
			}
			for (Method method : methods) {
				if (method.getDeclaringClass() != Object.class) {
					this.plans.prepare(method, userClass);
				}
			}
		}
	}

}
