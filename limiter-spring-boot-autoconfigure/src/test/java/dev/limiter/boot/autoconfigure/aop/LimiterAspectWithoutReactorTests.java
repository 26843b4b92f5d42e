package dev.limiter.boot.autoconfigure.aop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.boot.aop.LimiterAspect;
import dev.limiter.boot.aop.LimiterMethodPlans;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.testing.FakeBreaker;
import dev.limiter.boot.testing.FakeShedder;
import org.junit.jupiter.api.Test;

import org.springframework.aop.aspectj.annotation.AspectJProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A servlet application need not have Reactor: the aspect, loaded where Reactor classes cannot be found, protects
 * plain and asynchronous methods and never asks for a Reactor class besides its presence check.
 */
class LimiterAspectWithoutReactorTests {

	@Test
	void theAspectLoadsNoReactorClassWhenReactorIsAbsent() throws Exception {
		WithoutReactor loader = new WithoutReactor(getClass().getClassLoader());
		@SuppressWarnings("unchecked")
		Callable<List<String>> scenario = (Callable<List<String>>) loader.loadClass(Scenario.class.getName())
			.getDeclaredConstructor()
			.newInstance();
		assertThat(scenario.call()).containsExactly("breaker accept", "shedder accept");
		assertThat(loader.reactorLookups).as("only the presence check asks for Reactor")
			.containsOnly("reactor.core.publisher.Mono");
	}

	/** Runs in the loader without Reactor: a breaker and a shedder around a plain and an asynchronous method. */
	public static final class Scenario implements Callable<List<String>> {

		@Override
		public List<String> call() {
			FakeBreaker breaker = new FakeBreaker("backend");
			FakeShedder shedder = new FakeShedder("cpu");
			LimiterMethodPlans plans = new LimiterMethodPlans(new RateLimiterRegistry(Map.of()),
					new CircuitBreakerRegistry(Map.of("backend", breaker)),
					new LoadShedderRegistry(Map.of("cpu", shedder)), (name) -> false);
			AspectJProxyFactory factory = new AspectJProxyFactory(new Service());
			factory.setProxyTargetClass(true);
			factory.addAspect(new LimiterAspect(plans));
			Service service = factory.getProxy(Service.class.getClassLoader());
			service.call();
			service.later().join();
			return List.of("breaker " + String.join(",", breaker.outcomes()),
					"shedder " + String.join(",", shedder.outcomes()));
		}

	}

	public static class Service {

		@CircuitBreaker(name = "backend")
		public String call() {
			return "ok";
		}

		@LoadShed(name = "cpu")
		public CompletableFuture<String> later() {
			return CompletableFuture.completedFuture("ok");
		}

	}

	/** Loads limiter's classes itself and finds no Reactor class; everything else comes from the parent. */
	private static final class WithoutReactor extends ClassLoader {

		private final List<String> reactorLookups = new CopyOnWriteArrayList<>();

		WithoutReactor(ClassLoader parent) {
			super(parent);
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (name.startsWith("reactor.")) {
				this.reactorLookups.add(name);
				throw new ClassNotFoundException(name);
			}
			if (!name.startsWith("dev.limiter.")) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				if (loaded != null) {
					return loaded;
				}
				try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
					if (in == null) {
						throw new ClassNotFoundException(name);
					}
					byte[] bytes = in.readAllBytes();
					return defineClass(name, bytes, 0, bytes.length);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		}

	}

}
