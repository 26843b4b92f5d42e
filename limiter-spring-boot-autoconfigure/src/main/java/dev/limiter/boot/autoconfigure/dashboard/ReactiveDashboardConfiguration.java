package dev.limiter.boot.autoconfigure.dashboard;

import dev.limiter.boot.dashboard.LimiterDashboard;
import dev.limiter.boot.dashboard.ReactiveDashboardAccess;
import dev.limiter.boot.dashboard.ReactiveLimiterDashboardHandler;
import dev.limiter.boot.dashboard.ReactiveSpringSecurityDashboardAccess;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The dashboard's routes in a WebFlux application, with WebFlux's functional endpoints. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(RouterFunction.class)
class ReactiveDashboardConfiguration {

	@Bean
	RouterFunction<ServerResponse> limiterDashboardRoutes(ObjectProvider<LimiterDashboard> dashboard,
			ObjectProvider<ReactiveDashboardAccess> access, WebEndpointProperties properties) {
		LimiterDashboard model = dashboard.getIfAvailable();
		if (model == null) {
			return (request) -> Mono.empty();
		}
		return new ReactiveLimiterDashboardHandler(model, access.getIfAvailable(() -> ReactiveDashboardAccess.OPEN))
			.routes(properties.getBasePath());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(SecurityWebFilterChain.class)
	static class SpringSecurityAccessConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ReactiveDashboardAccess limiterReactiveDashboardAccess(ObjectProvider<SecurityWebFilterChain> chains) {
			return new ReactiveSpringSecurityDashboardAccess(() -> chains.orderedStream().toList());
		}

	}

}
