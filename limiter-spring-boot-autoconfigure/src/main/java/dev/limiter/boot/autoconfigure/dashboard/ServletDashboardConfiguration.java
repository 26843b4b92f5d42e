package dev.limiter.boot.autoconfigure.dashboard;

import java.util.Optional;

import dev.limiter.boot.dashboard.DashboardAccess;
import dev.limiter.boot.dashboard.LimiterDashboard;
import dev.limiter.boot.dashboard.LimiterDashboardHandler;
import dev.limiter.boot.dashboard.SpringSecurityDashboardAccess;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.access.WebInvocationPrivilegeEvaluator;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/** The dashboard's routes in a servlet application, with Spring MVC's functional endpoints. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
class ServletDashboardConfiguration {

	@Bean
	RouterFunction<ServerResponse> limiterDashboardRoutes(ObjectProvider<LimiterDashboard> dashboard,
			ObjectProvider<DashboardAccess> access, WebEndpointProperties properties) {
		LimiterDashboard model = dashboard.getIfAvailable();
		if (model == null) {
			return (request) -> Optional.empty();
		}
		return new LimiterDashboardHandler(model, access.getIfAvailable(() -> DashboardAccess.OPEN))
			.routes(properties.getBasePath());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebInvocationPrivilegeEvaluator.class)
	static class SpringSecurityAccessConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DashboardAccess limiterDashboardAccess(ObjectProvider<WebInvocationPrivilegeEvaluator> evaluator) {
			return new SpringSecurityDashboardAccess(evaluator::getIfUnique);
		}

	}

}
