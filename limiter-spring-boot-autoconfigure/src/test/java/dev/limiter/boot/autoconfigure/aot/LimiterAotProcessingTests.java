package dev.limiter.boot.autoconfigure.aot;

import java.lang.reflect.Method;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimited;
import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.autoconfigure.aop.LimiterAspectAutoConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.ReflectionHintsPredicates;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigUtils;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs Spring's AOT processing over a context with the auto-configuration and annotated beans, as
 * {@code spring-boot:process-aot} does, and checks the runtime hints it produces.
 */
class LimiterAotProcessingTests {

	private final ReflectionHintsPredicates reflection = RuntimeHintsPredicates.reflection();

	private RuntimeHints hints;

	@BeforeEach
	void processAheadOfTime() {
		GenericApplicationContext context = new GenericApplicationContext();
		AnnotationConfigUtils.registerAnnotationConfigProcessors(context);
		context.registerBean(LimiterConfiguration.class);
		context.registerBean(GuardedService.class);
		context.registerBean(SubclassedService.class);
		context.registerBean(PlainService.class);
		DefaultGenerationContext generationContext = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get("dev.limiter.aot.test", "Application")),
				new InMemoryGeneratedFiles());
		new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
		this.hints = generationContext.getRuntimeHints();
	}

	@Test
	void fallbackMethodsAreInvocable() throws Exception {
		assertThat(this.reflection.onMethodInvocation(GuardedService.class.getDeclaredMethod("cached", String.class)))
			.accepts(this.hints);
		assertThat(this.reflection
			.onMethodInvocation(GuardedService.class.getDeclaredMethod("cached", String.class, Throwable.class)))
			.accepts(this.hints);
		assertThat(this.reflection.onMethodInvocation(GuardedService.class.getDeclaredMethod("fetch", String.class)))
			.rejects(this.hints);
	}

	@Test
	void inheritedFallbackMethodsAreInvocable() throws Exception {
		Method inherited = BaseService.class.getDeclaredMethod("defaultAnswer");
		assertThat(this.reflection.onMethodInvocation(inherited)).accepts(this.hints);
	}

	@Test
	void annotatedBeanClassesAreRegisteredUpTheHierarchy() {
		assertThat(this.reflection.onType(GuardedService.class)).accepts(this.hints);
		assertThat(this.reflection.onType(SubclassedService.class)).accepts(this.hints);
		assertThat(this.reflection.onType(BaseService.class)).accepts(this.hints);
	}

	@Test
	void beansWithoutLimiterAnnotationsContributeNothing() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("plain", new RootBeanDefinition(PlainService.class));
		beanFactory.registerBeanDefinition("guarded", new RootBeanDefinition(GuardedService.class));
		LimiterAnnotationsAotProcessor processor = new LimiterAnnotationsAotProcessor();
		assertThat(processor.processAheadOfTime(RegisteredBean.of(beanFactory, "plain"))).isNull();
		assertThat(processor.processAheadOfTime(RegisteredBean.of(beanFactory, "guarded"))).isNotNull();
	}

	@Test
	void luaScriptsAreResources() {
		assertThat(RuntimeHintsPredicates.resource().forResource("dev/limiter/core/ratelimit/redis/token-bucket.lua"))
			.accepts(this.hints);
	}

	@Test
	void propertiesCanBeBound() {
		assertThat(this.reflection.onType(LimiterProperties.class)).accepts(this.hints);
		assertThat(this.reflection.onMethodInvocation(LimiterProperties.class, "setRateLimiters")).accepts(this.hints);
		assertThat(this.reflection.onMethodInvocation(LimiterProperties.RateLimiter.class, "setLimit"))
			.accepts(this.hints);
		assertThat(this.reflection.onMethodInvocation(LimiterProperties.Redis.class, "setTimeout")).accepts(this.hints);
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LimiterAutoConfiguration.class, LimiterAspectAutoConfiguration.class })
	static class LimiterConfiguration {

	}

	static class GuardedService {

		@CircuitBreaker(name = "backend", fallbackMethod = "cached")
		String fetch(String id) {
			return id;
		}

		String cached(String id) {
			return "cached " + id;
		}

		String cached(String id, Throwable failure) {
			return "cached " + id + " after " + failure;
		}

		@RateLimited(name = "api")
		void limited() {
		}

		@LoadShed(name = "default")
		void shed() {
		}

	}

	static class BaseService {

		String defaultAnswer() {
			return "default";
		}

	}

	static class SubclassedService extends BaseService {

		@CircuitBreaker(name = "backend", fallbackMethod = "defaultAnswer")
		String answer() {
			return "answer";
		}

	}

	static class PlainService {

		String answer() {
			return "answer";
		}

	}

}
