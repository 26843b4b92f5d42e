package dev.limiter.boot.autoconfigure.aot;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.Set;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimited;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Registers the reflection the limiter annotations need at run time for each bean that carries them: the bean's
 * class, its superclasses and interfaces (their methods are scanned for the annotations at start-up; a registered
 * type can be introspected), and, invocable, the methods named by {@link CircuitBreaker#fallbackMethod()} in the
 * class and its superclasses (the aspect calls the fallback reflectively). Beans without limiter annotations
 * contribute nothing. A bean is processed by the type its definition declares: for a {@code @Bean} method, its
 * return type. Registered in {@code META-INF/spring/aot.factories}.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterAnnotationsAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = ClassUtils.getUserClass(registeredBean.getBeanClass());
		if (beanClass.getName().startsWith("org.springframework.")) {
			return null;
		}
		boolean annotated = false;
		Set<Method> fallbacks = new LinkedHashSet<>();
		try {
			for (Method method : ReflectionUtils.getUniqueDeclaredMethods(beanClass,
					ReflectionUtils.USER_DECLARED_METHODS)) {
				if (method.isAnnotationPresent(RateLimited.class) || method.isAnnotationPresent(LoadShed.class)) {
					annotated = true;
				}
				CircuitBreaker breaker = method.getAnnotation(CircuitBreaker.class);
				if (breaker != null) {
					annotated = true;
					if (!breaker.fallbackMethod().isBlank()) {
						fallbacks.addAll(methodsNamed(beanClass, breaker.fallbackMethod()));
					}
				}
			}
		}
		catch (IllegalStateException | LinkageError ex) {
			// methods referring to classes that are absent: the validator skips such beans at run time too
			return null;
		}
		if (!annotated) {
			return null;
		}
		return (generationContext, code) -> {
			ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
			for (Class<?> type = beanClass; type != null && type != Object.class; type = type.getSuperclass()) {
				reflection.registerType(type);
			}
			ClassUtils.getAllInterfacesForClassAsSet(beanClass).forEach(reflection::registerType);
			fallbacks.forEach((method) -> reflection.registerMethod(method, ExecutableMode.INVOKE));
		};
	}

	/** The candidates the aspect chooses a fallback from: declared methods of that name, up the hierarchy. */
	private static Set<Method> methodsNamed(Class<?> beanClass, String name) {
		Set<Method> methods = new LinkedHashSet<>();
		for (Class<?> type = beanClass; type != null && type != Object.class; type = type.getSuperclass()) {
			for (Method candidate : type.getDeclaredMethods()) {
				if (candidate.getName().equals(name) && !candidate.isBridge()) {
					methods.add(candidate);
				}
			}
		}
		return methods;
	}

}
